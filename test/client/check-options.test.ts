import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkClientOptions, clientOptionsSchema } from '../../src/client/check-options.js';
import { validateOptions } from '../../src/options/validate.js';
import { createFakeClock } from '../../src/testing/index.js';

/**
 * A client's options are checked the cheap way when they are the usual kind,
 * else against the strict object of every option's schema. Both ways must
 * give the same: the same output, or the same error message.
 */
type Outcome = { ok: true; value: unknown } | { ok: false; message: string };
const outcome = (check: () => unknown): Outcome => {
  try {
    return { ok: true, value: check() };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
};
const expectSameAsStrictObject = (input: unknown): void => {
  const cheap = outcome(() => checkClientOptions(input));
  const whole = outcome(() => validateOptions(clientOptionsSchema(), input));
  expect(cheap).toStrictEqual(whole);
};

const clock = createFakeClock();
const random = () => 0.5;

describe('checking client options', () => {
  it('gives what the strict object gives, for tricky inputs', () => {
    const inherited = Object.create({ timeoutMs: 5 }) as Record<string, unknown>;
    inherited.models = ['a'];
    const inheritedUnknown = Object.create({ apiKey: 'x' }) as Record<string, unknown>;
    inheritedUnknown.models = ['a'];
    const ownProto = JSON.parse('{"models":["a"],"__proto__":{"x":1}}') as unknown;
    const getter = { get models() { return ['a', 'b']; } };
    const throwing = { models: ['a'], get retry(): never { throw new Error('no'); } };
    const sparse = new Array<string>(3); // a hole at 1
    sparse[0] = 'a';
    sparse[2] = 'b';
    class Options { models = ['a']; timeoutMs = 10; }
    const inputs: unknown[] = [
      undefined, null, 5, 'gpt-4o', [], [['a']], {}, { models: undefined }, { models: [] }, { models: ['a', 'a'] }, { models: [''] },
      { models: [1] }, { models: sparse }, { models: 'a' }, { models: ['a', new String('b')] }, { models: ['a'] }, { models: ['a', 'b'] },
      { models: ['a'], monitor: false, hedge: false, retry: false, breaker: false, adaptiveTimeout: false },
      { models: ['a'], content: false }, { models: ['a'], stream: false }, { models: ['a'], timeoutMs: undefined, budget: undefined },
      { models: ['a'], timeoutMs: 0 }, { models: ['a'], timeoutMs: 250 }, { models: ['a'], retry: { maxRetries: 2 } }, { models: ['a'], retry: { maxRetrys: 2 } },
      { models: ['a'], retry: true }, { models: ['a'], apiKey: 'sk-proj-abcdefghijklmnopqrstuvwxyz' }, { models: ['a'], retyr: {} },
      { models: [{ model: 'a', provider: 'openai' }, 'b'] }, { models: [{ model: 'a' }, 'a'] },
      { models: ['a'], adaptiveTimeout: { minTimeoutMs: 20, maxTimeoutMs: 10 } }, { models: ['a'], clock, random }, { models: ['a'], clock: {} },
      { models: ['a'], limits: { maxQueue: 10 } }, { models: ['a'], monitor: { windows: [60_000] } }, { models: ['a'], budget: { day: { maxCostUsd: 20 } } },
      inherited, inheritedUnknown, ownProto, getter, throwing, new Options(), Object.assign(Object.create(null) as object, { models: ['a'] }),
    ];
    for (const input of inputs) expectSameAsStrictObject(input);
  });

  it('gives what the strict object gives, for retry options', () => {
    const retries: unknown[] = [
      {}, { maxRetries: 3 }, { maxRetries: 0 }, { maxRetries: 100 }, { maxRetries: 101 }, { maxRetries: -1 }, { maxRetries: 1.5 }, { maxRetries: Number.NaN },
      { maxRetries: '3' }, { maxRetries: undefined }, { initialDelayMs: 0 }, { initialDelayMs: -0 }, { initialDelayMs: 2_147_483_647 }, { initialDelayMs: 2_147_483_648 },
      { initialDelayMs: Number.POSITIVE_INFINITY }, { maxDelayMs: 1.5 }, { maxRetryAfterMs: Number.NaN }, { multiplier: 1 }, { multiplier: 0.99 }, { multiplier: 1e300 },
      { multiplier: Number.POSITIVE_INFINITY }, { jitter: 'full' }, { jitter: 'equal' }, { jitter: 'none' }, { jitter: 'random' }, { preferFallback: true },
      { preferFallback: 1 }, { budget: false }, { budget: { ratio: 0.1 } }, { maxRetrys: 3 }, Object.create({ maxRetries: 3 }), Object.create({ retries: 3 }),
      JSON.parse('{"__proto__":{"maxRetries":3}}'), [], new Date(0), { get maxRetries(): never { throw new Error('no'); } },
    ];
    for (const retry of retries) expectSameAsStrictObject({ models: ['a'], retry });
  });

  it('gives what the strict object gives, for random options', () => {
    // Mostly values the cheap way takes, so that it is the way most runs go.
    const value = fc.oneof(
      { weight: 24, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(true, 0, 250, -1, 'x', null, {}, [], clock, random, { maxRetries: 2 }, { windows: [60_000] }, { maxQueue: 10 }, { unknown: 1 }) },
    );
    const models = fc.oneof(
      fc.uniqueArray(fc.string({ maxLength: 4 }), { maxLength: 3 }),
      fc.array(fc.constantFrom<unknown>('a', 'b', '', 1, null, { model: 'c' }, { model: 'a', provider: 'openai' }), { maxLength: 3 }),
      value,
    );
    const keys = ['retry', 'breaker', 'timeoutMs', 'adaptiveTimeout', 'budget', 'monitor', 'stream', 'limits', 'shared', 'content', 'hedge', 'conditions', 'clock', 'random', 'onListenerError', 'retries'];
    const options = fc.record({ models, ...Object.fromEntries(keys.map((k) => [k, value])) }, { requiredKeys: [] });
    fc.assert(fc.property(options, (input) => expectSameAsStrictObject(input)), { numRuns: 400 });
  });

  it('gives what the strict object gives, for random retry options', () => {
    const number = fc.oneof(fc.integer({ min: -2, max: 102 }), fc.double(), fc.constantFrom(2_147_483_647, 2_147_483_648, -0));
    const field = fc.oneof({ weight: 6, arbitrary: number }, fc.constantFrom<unknown>(undefined, 'none', 'full', 'x', true, null));
    const keys = ['maxRetries', 'initialDelayMs', 'multiplier', 'maxDelayMs', 'jitter', 'maxRetryAfterMs', 'preferFallback'];
    const retry = fc.record(Object.fromEntries(keys.map((k) => [k, field])), { requiredKeys: [] });
    fc.assert(fc.property(retry, (r) => expectSameAsStrictObject({ models: ['a'], retry: r })), { numRuns: 500 });
  });

  it('names the option whose value one of the schema checks cannot read', () => {
    // zod's length check reads `length` of an object that has one: a null-prototype object cannot become a number.
    for (const [key, value] of [['models', { length: Object.create(null) }], ['retry', { maxRetries: { length: Object.create(null) } }]] as const) {
      const options = { models: ['a'], [key]: value };
      const error = outcome(() => checkClientOptions(options));
      expect(error).toMatchObject({ ok: false });
      expect((error as { message: string }).message).toMatch(new RegExp(`^[^\\n]*${key}`));
      expect((error as { message: string }).message).not.toContain('(options)');
    }
  });
});
