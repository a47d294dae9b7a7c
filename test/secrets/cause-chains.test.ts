import { inspect } from 'node:util';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { BudgetStoreError } from '../../src/budget/errors.js';
import { MemoryBudgetStore } from '../../src/budget/store.js';
import {
  AllModelsFailedError,
  CircuitOpenError,
  ConfigError,
  ContextWindowError,
  DisposedError,
  NoCapacityError,
  QueueFullError,
  RefusedError,
  ResilientClient,
  StreamInterruptedError,
  TimeoutError,
} from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

/**
 * Our errors as real loggers print them: pino's `err` serializer appends the
 * message and stack of every `cause` down the chain, Node's `util.inspect`
 * prints nested `[cause]`s, and a framework may wrap our error in its own.
 * No level of any of these may print a key, a password, a prompt or a completion.
 */
const KEY = 'sk-proj-Qm7Rr8Ss2Tt4Uu6';
const REDIS_PASSWORD = 'Hunter2-redis-Pw9';
const PROMPT = 'PROMPT-my-tax-return-5521';
const COMPLETION = 'COMPLETION-refund-advice-8812';
const LEAKS = [KEY.slice(8), 'Qm7Rr8', REDIS_PASSWORD, PROMPT, COMPLETION, 'Bearer'];

/** A 429 as the SDKs raise it, its message quoting the key, its fields holding the request and response, with a nested cause. */
function rateLimit429(): Error {
  const socket = new Error(`socket hang up (Authorization: Bearer ${KEY})`);
  return Object.assign(new Error(`429 Rate limit reached for key ${KEY}`, { cause: socket }), {
    name: 'RateLimitError',
    status: 429,
    headers: { authorization: `Bearer ${KEY}`, 'retry-after': '1' },
    request: { headers: { 'x-api-key': KEY }, body: PROMPT },
    error: { message: 'rate limited', echo: COMPLETION },
  });
}

/** What a Redis client throws for a bad connection string: the URL, password included, in the message and in its cause. */
function redisUrlError(): Error {
  const inner = new Error(`getaddrinfo ENOTFOUND for redis://default:${REDIS_PASSWORD}@cache.internal:6379`);
  return Object.assign(new TypeError(`Invalid URL: redis://default:${REDIS_PASSWORD}@cache internal:6379/0`, { cause: inner }), {
    code: 'ERR_INVALID_URL',
    input: `redis://default:${REDIS_PASSWORD}@cache internal:6379/0`,
  });
}

function printed(err: Error): Record<string, string> {
  const lines: string[] = [];
  const logger = pino({ base: undefined, timestamp: false }, { write: (l: string) => void lines.push(l) });
  const causes = pino({ base: undefined, timestamp: false, serializers: { err: pino.stdSerializers.errWithCause } }, { write: (l: string) => void lines.push(l) });
  logger.error({ err }, 'call failed');
  logger.error(err);
  causes.error({ err }, 'call failed');
  // A framework or the app wraps our error in its own.
  const wrapped = new Error('job 17 failed', { cause: err });
  logger.error({ err: wrapped }, 'job failed');
  causes.error({ err: wrapped }, 'job failed');
  return {
    json: JSON.stringify(err),
    jsonWrapped: JSON.stringify({ err }),
    inspect: inspect(err, { depth: Infinity }),
    inspectWrapped: inspect(wrapped, { depth: Infinity }),
    inspectInArray: inspect([{ error: err }], { depth: Infinity }),
    string: String(err),
    pino: lines.join('\n'),
  };
}

function expectNoLeak(err: Error): void {
  for (const [how, text] of Object.entries(printed(err))) {
    for (const leak of LEAKS) expect(text, `${err.name} via ${how} leaks ${leak}`).not.toContain(leak);
  }
}

class RateLimitError extends Error {
  readonly status = 429;
  readonly headers = new Headers({ 'retry-after': '2', authorization: `Bearer ${KEY}` });
}

describe('cause chains print no secrets, however they are logged', () => {
  it('the cause code reads is still the provider error: its class, its fields, its headers', () => {
    const raw = new RateLimitError(`429 for ${KEY}`);
    const err = new StreamInterruptedError('m', 'rate_limit', { chunks: 1, ttftMs: 1, durationMs: 2, usage: undefined }, raw);
    const cause = err.cause as RateLimitError;
    expect(cause).toBeInstanceOf(RateLimitError);
    expect(cause.status).toBe(429);
    expect(cause.headers.get('retry-after')).toBe('2');
    expect(cause.message).toBe('429 for [redacted]');
    expectNoLeak(err);
  });

  it('AllModelsFailedError after 429s whose message quotes the key', async () => {
    const client = new ResilientClient({ models: ['a', 'b'], clock: createFakeClock(), retry: false, monitor: false });
    const err = await client
      .run(() => {
        throw rateLimit429();
      })
      .catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(AllModelsFailedError);
    expectNoLeak(err);
    // Still useful: the logs say what happened (whether or not the error carries a `cause`).
    expect(printed(err).pino).toContain('All models failed: a (rate_limit), b (rate_limit)');
    expect(printed(err).json).toContain('429 Rate limit reached for key [redacted]');
    client.dispose();
  });

  it('BudgetStoreError from a Redis URL error', async () => {
    const inner = new MemoryBudgetStore();
    const store = { ...inner, get: inner.get.bind(inner), settle: inner.settle.bind(inner), release: inner.release.bind(inner), reserve: () => Promise.reject(redisUrlError()) };
    const client = new ResilientClient({ models: ['m'], clock: createFakeClock(), retry: false, monitor: false, budget: { day: { maxTokens: 1_000 }, store, onStoreError: 'closed' } });
    const err = (await client.run(async () => ({ ok: true })).catch((e: unknown) => e)) as Error;
    expect(err.name).toMatch(/BudgetStoreError|AllModelsFailedError/);
    expectNoLeak(err);
    expect(printed(err).pino).toContain('cache.internal:6379');
    client.dispose();
  });

  it('ContextWindowError whose failures hold a provider error (prompt, key, completion)', async () => {
    const tooLong = Object.assign(new Error(`400 This model's maximum context length is 8192 tokens (key ${KEY})`), {
      status: 400,
      code: 'context_length_exceeded',
      headers: { authorization: `Bearer ${KEY}` },
      request: { body: { messages: [{ role: 'user', content: PROMPT }] } },
      response: { body: COMPLETION },
    });
    const client = new ResilientClient({ models: ['small', 'local'], clock: createFakeClock(), retry: false, monitor: false, content: { contextWindows: { small: 1_000 } } });
    const err = await client
      .run(
        () => {
          throw tooLong;
        },
        { request: { messages: [{ role: 'user', content: 'x'.repeat(20_000) }] } },
      )
      .catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(ContextWindowError);
    expectNoLeak(err);
    // The raw errors stay reachable for code that asks.
    expect((err as ContextWindowError).failures.map((f) => f.reason)).toEqual(['context_length', 'context_length']);
    expect((err as ContextWindowError).failures[1]!.error).toBe(tooLong);
    client.dispose();
  });

  it('every error the library throws, built around a secret-laden cause', () => {
    const failures = [
      { model: 'a', reason: 'rate_limit', error: rateLimit429() },
      { model: 'b', reason: 'server', error: new BudgetStoreError('reserve', 'day:x', 'b', redisUrlError(), false) },
    ];
    const received = { chunks: 2, ttftMs: 5, durationMs: 9, usage: undefined };
    const errors: Error[] = [
      new AllModelsFailedError(failures, 1_000),
      new ContextWindowError(undefined, 'too long', 9_000, 8_000, failures),
      new ContextWindowError('a', 'too long', 9_000, 8_000),
      new BudgetStoreError('reserve', 'day:2026-01-01', 'm', redisUrlError(), false),
      new StreamInterruptedError('m', 'rate_limit', received, rateLimit429()),
      new StreamInterruptedError('m', 'server', received, new AllModelsFailedError(failures)),
      new CircuitOpenError('m', 100),
      new TimeoutError('m', 100),
      new QueueFullError('m', 3),
      new NoCapacityError('m', 50, 'spill'),
      new RefusedError('m'),
      new DisposedError(),
      new ConfigError([{ path: 'x', message: 'expected a string, received [redacted]' }]),
    ];
    for (const err of errors) expectNoLeak(err);
  });
});
