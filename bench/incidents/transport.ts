/**
 * How a contender reaches the simulated provider: the real SDK of the
 * incident's wire format (`openai` chat completions, or `@anthropic-ai/sdk`
 * messages for Claude models) with the provider's `fetch`, and ours through
 * the matching drop-in wrapper (`wrapOpenAI` / `wrapAnthropic`).
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type CallRunOptions, type ResilientClient, withRunOptions } from '../../src/index.js';
import { wrapAnthropic } from '../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../src/providers/openai.js';
import type { CallRequest, Env } from './contenders.js';
import { CALL_HEADER } from './provider.js';

/** One user message and `max_tokens`: a request both APIs take as it is. */
export interface ChatBody {
  readonly messages: readonly { readonly role: 'user'; readonly content: string }[];
  readonly max_tokens: number;
}

/** A model's answer as either SDK returns it: both name the model that answered. */
interface Answered {
  readonly model: string;
}

export interface Transport {
  /** The SDK call itself (what `client.run` is handed in the README's quick start). */
  create(model: string, r: CallRequest, signal: AbortSignal, extra?: Record<string, string>): Promise<Answered>;
  /** The call; resolves with the model that answered. */
  send(model: string, r: CallRequest, signal: AbortSignal, extra?: Record<string, string>): Promise<string>;
}

const headersOf = (r: CallRequest, extra: Record<string, string>) => ({ [CALL_HEADER]: String(r.callId), ...extra });

export const openaiSdk = (env: Env, maxRetries: number) => new OpenAI({ apiKey: 'sk-test', baseURL: 'https://simulated.invalid/v1', fetch: env.provider.fetch, maxRetries });
const anthropicSdk = (env: Env, maxRetries: number) => new Anthropic({ apiKey: 'sk-ant-test', baseURL: 'https://simulated.invalid', fetch: env.provider.fetch, maxRetries });

/** The SDK of `env`'s format with `maxRetries`, as a peer or the oracle uses it. */
export function transport(env: Env, maxRetries: number): Transport {
  let create: Transport['create'];
  if (env.format === 'anthropic') {
    const anthropic = anthropicSdk(env, maxRetries);
    create = (model, r, signal, extra = {}) =>
      anthropic.messages.create({ model, max_tokens: r.body.max_tokens, messages: [...r.body.messages] }, { signal, headers: headersOf(r, extra) });
  } else {
    const openai = openaiSdk(env, maxRetries);
    create = (model, r, signal, extra = {}) =>
      openai.chat.completions.create({ model, max_tokens: r.body.max_tokens, messages: [...r.body.messages] }, { signal, headers: headersOf(r, extra) });
  }
  return { create, send: (model, r, signal, extra) => create(model, r, signal, extra).then((a) => a.model) };
}

/**
 * Ours through the drop-in wrapper of `env`'s format (SDK retries off), asking
 * for the primary; each call carries its task's id (`withRunOptions({ taskId })`),
 * as the docs show for agent tasks, and `run`'s options (the documented set-up's
 * deadline). Resolves with the model that answered.
 */
export function wrapped(env: Env, client: ResilientClient, run: CallRunOptions = {}): (r: CallRequest, signal: AbortSignal) => Promise<string> {
  const options = (r: CallRequest, signal: AbortSignal) => withRunOptions({ ...run, taskId: `task-${r.taskId}` }, { signal, headers: headersOf(r, {}) });
  const model = env.models.primary;
  if (env.format === 'anthropic') {
    const anthropic = wrapAnthropic(anthropicSdk(env, 0), client);
    return (r, signal) =>
      anthropic.messages.create({ model, max_tokens: r.body.max_tokens, messages: [...r.body.messages] }, options(r, signal)).then((m) => (m as Answered).model);
  }
  const openai = wrapOpenAI(openaiSdk(env, 0), client);
  return (r, signal) =>
    openai.chat.completions.create({ model, max_tokens: r.body.max_tokens, messages: [...r.body.messages] }, options(r, signal)).then((c) => (c as Answered).model);
}
