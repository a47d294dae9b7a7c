// Shared by the framework tests: a harness per test with the library's default
// retry and fallback settings on the fake clock, and "one chain run" measured.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, beforeEach } from 'vitest';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { type Harness, drive, harness } from '../providers/helpers.js';
import { type Wire, replies } from '../providers/server.js';

const DEFAULTS = { retry: { jitter: 'none' } } as const;

/** The current test's harness (a live binding, set by {@link useHarness}). */
export let h: Harness;

/** A fresh harness for each test of the calling file. */
export function useHarness(models: string[]): void {
  beforeEach(async () => {
    h = await harness(models, DEFAULTS);
  });
  afterEach(async () => {
    h.client.dispose();
    await h.server.close();
  });
}

/** Every request to `path` answered with a 429 (Retry-After 0). */
export const failEverything = (h: Harness, wire: Wire, path?: string) =>
  h.server.script(path ? { path } : {}, Array.from({ length: 40 }, () => replies.rateLimit(wire, { retryAfter: 0 })));

/**
 * The requests one call makes through a wrapped client directly, on a fresh
 * client, with every model failing: what one chain run costs.
 */
export async function oneChainRun(models: string[], wire: Wire): Promise<number> {
  const fresh = await harness(models, DEFAULTS);
  try {
    failEverything(fresh, wire);
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const call =
      wire === 'anthropic'
        ? wrapAnthropic(new Anthropic({ apiKey: 'k', baseURL: fresh.server.anthropicBaseURL }), fresh.client).messages.create({ model: models[0]!, max_tokens: 64, messages })
        : wire === 'openai-chat'
          ? wrapOpenAI(new OpenAI({ apiKey: 'k', baseURL: fresh.server.openaiBaseURL }), fresh.client).chat.completions.create({ model: models[0]!, messages })
          : wrapOpenAI(new OpenAI({ apiKey: 'k', baseURL: fresh.server.openaiBaseURL }), fresh.client).responses.create({ model: models[0]!, input: 'hi' });
    await drive(Promise.resolve(call), fresh.clock).catch(() => {});
    return fresh.server.requests.length;
  } finally {
    fresh.client.dispose();
    await fresh.server.close();
  }
}
