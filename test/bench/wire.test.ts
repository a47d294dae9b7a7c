import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { CLAUDE_PRIMARY, INCIDENTS, type Incident, PRIMARY } from '../../bench/incidents/incidents.js';
import { CALL_HEADER, SimulatedProvider } from '../../bench/incidents/provider.js';
import { SIM_EPOCH, SimTime } from '../../bench/incidents/sim-time.js';
import { rfc3339 } from '../../bench/incidents/wire.js';
import { ModelLimits } from '../../bench/incidents/buckets.js';
import { parseRateLimitHeaders } from '../../src/classify/ratelimit-headers.js';
import { classifyError } from '../../src/classify/classify.js';

/**
 * The simulated provider's wire formats, read by the real SDKs and by our
 * classifier: what the bench replays must be what the providers send.
 */

const incident = (id: string): Incident => INCIDENTS.find((i) => i.id === id)!;

/** Runs `fn` against a provider for `id` on simulated time, `minutesIn` minutes into the run. */
async function against<T>(id: string, minutesIn: number, fn: (p: SimulatedProvider) => Promise<T>): Promise<T> {
  const sim = new SimTime(7);
  sim.install();
  try {
    const provider = new SimulatedProvider(sim, incident(id), 30, 1, new Map());
    if (minutesIn > 0) {
      let moved = false;
      sim.setTimer(() => (moved = true), minutesIn * 60_000);
      await sim.runUntil(() => moved, minutesIn * 60_000);
    }
    let out: { value?: T; error?: unknown; done: boolean } = { done: false };
    fn(provider).then(
      (value) => (out = { value, done: true }),
      (error: unknown) => (out = { error, done: true }),
    );
    await sim.runUntil(() => out.done, 3_600_000);
    if ('error' in out) throw out.error;
    return out.value as T;
  } finally {
    sim.uninstall();
  }
}

const claude = (p: SimulatedProvider) => new Anthropic({ apiKey: 'sk-ant-test', baseURL: 'https://simulated.invalid', fetch: p.fetch, maxRetries: 0 });
const ask = (p: SimulatedProvider, i: number, maxTokens = 1_000) =>
  claude(p)
    .messages.create({ model: CLAUDE_PRIMARY, max_tokens: maxTokens, messages: [{ role: 'user', content: 'x'.repeat(400) }] }, { headers: { [CALL_HEADER]: String(i) } })
    .withResponse();
const caught = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('Anthropic wire format', () => {
  it('answers a message with Anthropic rate-limit headers: requests, input and output apart, RFC 3339 resets, tokens-* the most restrictive', async () => {
    const { data, response } = await against('steady-anthropic', 0, (p) => ask(p, 0));
    expect(data).toMatchObject({ type: 'message', role: 'assistant', model: CLAUDE_PRIMARY, content: [{ type: 'text', text: 'done' }] });
    expect(data.usage.input_tokens).toBe(107); // 100 + 4 per message + 3 per request
    const h = response.headers;
    expect(h.get('anthropic-ratelimit-requests-limit')).toBe('100');
    expect(h.get('anthropic-ratelimit-requests-remaining')).toBe('99');
    expect(h.get('anthropic-ratelimit-input-tokens-limit')).toBe('150000');
    expect(h.get('anthropic-ratelimit-output-tokens-limit')).toBe('50000');
    // Output counted as max_tokens while the answer is generated: 49,000 of 50,000 left (2% used) is tighter than input (0.07% used).
    expect(h.get('anthropic-ratelimit-output-tokens-remaining')).toBe('49000');
    expect(h.get('anthropic-ratelimit-tokens-limit')).toBe('50000');
    expect(h.get('anthropic-ratelimit-tokens-remaining')).toBe('49000');
    expect(h.get('anthropic-ratelimit-requests-reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(h.get('request-id')).toMatch(/^req_/);
    const info = parseRateLimitHeaders(h, SIM_EPOCH)!;
    expect(info.requests).toEqual({ limit: 100, remaining: 99, resetAt: SIM_EPOCH + 1_000 }); // one request refills in 600 ms, rounded up to the second
    expect(info.outputTokens?.remaining).toBe(49_000);
  });

  it('counts the unused part of max_tokens back once the answer is done', () => {
    const limits = new ModelLimits({ requests: 100, 'input-tokens': 150_000, 'output-tokens': 50_000 }, 60_000, SIM_EPOCH);
    limits.take({ input: 1_000, output: 4_000 }, SIM_EPOCH);
    expect(limits.remaining('output-tokens', SIM_EPOCH)).toBe(46_000);
    limits.refund('output-tokens', 3_700, SIM_EPOCH); // 300 generated
    expect(limits.remaining('output-tokens', SIM_EPOCH)).toBe(49_700);
    limits.refund('output-tokens', 5_000, SIM_EPOCH);
    expect(limits.remaining('output-tokens', SIM_EPOCH)).toBe(50_000); // never above the limit
  });

  it('a 429 is a RateLimitError with retry-after in seconds and no retry-after-ms', async () => {
    const e = (await against('steady-anthropic', 0, async (p) => {
      // 51 calls at once, 1,000 output tokens each: the 51st finds the output limit (50,000) spent, not the request limit (100).
      const all = await Promise.all(Array.from({ length: 51 }, (_, i) => caught(ask(p, i))));
      expect(all.filter((e) => e !== undefined)).toHaveLength(1);
      return all[50];
    })) as InstanceType<typeof Anthropic.RateLimitError>;
    expect(e).toBeInstanceOf(Anthropic.RateLimitError);
    expect(e.type).toBe('rate_limit_error');
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('output tokens per minute') } });
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(e.headers?.get('retry-after-ms')).toBeNull();
    expect(classifyError(e).kind).toBe('rate_limit');
  });

  it('overload is a 529 OverloadedError', async () => {
    const e = await against('overload-anthropic', 10, async (p) => {
      for (let i = 0; i < 20; i++) {
        const r = await caught(ask(p, i));
        if (r) return r;
      }
      return undefined;
    });
    expect(e).toBeInstanceOf(Anthropic.OverloadedError);
    expect((e as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect(classifyError(e).kind).toBe('overloaded');
  });

  it('a billing stop is a 400 invalid_request_error "credit balance is too low", classified as quota, not a client error', async () => {
    const e = (await against('billing-anthropic', 5, (p) => caught(ask(p, 0)))) as InstanceType<typeof Anthropic.BadRequestError>;
    expect(e).toBeInstanceOf(Anthropic.BadRequestError);
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^Your credit balance is too low to access the Anthropic API/) } });
    expect(classifyError(e).kind).toBe('quota');
  });

  it('the quota incident is a 429 with details.error_code enforced_spend_limit_reached', async () => {
    const e = (await against('quota-anthropic', 5, (p) => caught(ask(p, 0)))) as InstanceType<typeof Anthropic.RateLimitError> & { errorCode?: string };
    expect(e).toBeInstanceOf(Anthropic.RateLimitError);
    expect(e.errorCode).toBe('enforced_spend_limit_reached');
    expect(classifyError(e).kind).toBe('quota');
  });

  it('formats resets as RFC 3339 seconds, rounded up', () => {
    expect(rfc3339(Date.parse('2026-03-02T09:00:00.200Z'))).toBe('2026-03-02T09:00:01Z');
    expect(rfc3339(Date.parse('2026-03-02T09:00:05Z'))).toBe('2026-03-02T09:00:05Z');
  });
});

describe('OpenAI billing stop', () => {
  it('is a 400 billing_hard_limit_reached, classified as quota', async () => {
    const openai = (p: SimulatedProvider) => new OpenAI({ apiKey: 'sk-test', baseURL: 'https://simulated.invalid/v1', fetch: p.fetch, maxRetries: 0 });
    const e = (await against('billing', 5, (p) =>
      caught(openai(p).chat.completions.create({ model: PRIMARY, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { headers: { [CALL_HEADER]: '0' } })),
    )) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.code).toBe('billing_hard_limit_reached');
    expect(classifyError(e).kind).toBe('quota');
  });
});
