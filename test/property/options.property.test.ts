import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResilientClient, isConfigError, type ResilientClientOptions } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

/**
 * Random option objects: each field is either valid or broken in a known way.
 * The client must construct when nothing is broken, and otherwise throw a
 * ConfigError naming every broken path (in `issues` and in the message) —
 * never any other exception.
 */

type Field = { readonly value: unknown; readonly bad?: string };
const ok = (value: unknown): Field => ({ value });
const bad = (path: string, value: unknown): Field => ({ value, bad: path });
const absent: Field = { value: undefined };

const models = fc.oneof(
  { weight: 4, arbitrary: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }).map(ok) },
  fc.constantFrom<unknown>([], ['a', 'a'], 'gpt-4.1', null, undefined, {}).map((v) => bad('models', v)),
  fc.constantFrom<unknown>([''], [1], [null]).map((v) => bad('models.0', v)),
);

const retry = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(absent, ok(false), ok({})) },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          maxRetries: fc.integer({ min: 0, max: 100 }),
          initialDelayMs: fc.integer({ min: 0, max: 60_000 }),
          multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
          maxDelayMs: fc.integer({ min: 0, max: 600_000 }),
          jitter: fc.constantFrom('none', 'full', 'equal'),
          maxRetryAfterMs: fc.integer({ min: 0, max: 600_000 }),
        },
        { requiredKeys: [] },
      )
      .map(ok),
  },
  fc.constantFrom<unknown>(true, 'yes', 3, null).map((v) => bad('retry', v)),
  fc
    .constantFrom<[string, unknown]>(
      ['maxRetries', -1],
      ['maxRetries', 1.5],
      ['maxRetries', 101],
      ['initialDelayMs', Number.NaN],
      ['initialDelayMs', -10],
      ['multiplier', 0.5],
      ['maxDelayMs', Number.POSITIVE_INFINITY],
      ['jitter', 'random'],
      ['maxRetryAfterMs', '60s'],
      ['retries', 3],
    )
    .map(([k, v]) => bad(`retry.${k}`, { [k]: v })),
);

const breaker = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(absent, ok(false), ok({})) },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          errorThresholdPercentage: fc.double({ min: 0, max: 100, noNaN: true }),
          volumeThreshold: fc.integer({ min: 0, max: 1_000 }),
          rollingWindowMs: fc.integer({ min: 1, max: 600_000 }),
          rollingBuckets: fc.integer({ min: 1, max: 1_000 }),
          resetTimeoutMs: fc.integer({ min: 1, max: 600_000 }),
        },
        { requiredKeys: [] },
      )
      .map(ok),
  },
  fc.constantFrom<unknown>(true, 'on', 0).map((v) => bad('breaker', v)),
  fc
    .constantFrom<[string, unknown]>(
      ['errorThresholdPercentage', 101],
      ['errorThresholdPercentage', -1],
      ['volumeThreshold', 2.5],
      ['rollingWindowMs', 0],
      ['rollingBuckets', 0],
      ['rollingBuckets', 1_001],
      ['resetTimeoutMs', 'soon'],
      ['halfOpenAfter', 1_000],
    )
    .map(([k, v]) => bad(`breaker.${k}`, { [k]: v })),
);

const timeoutMs = fc.oneof(
  fc.constant(absent),
  fc.integer({ min: 1, max: 600_000 }).map(ok),
  fc.constantFrom<unknown>(0, -5, 'fast', Number.POSITIVE_INFINITY, Number.NaN, null).map((v) => bad('timeoutMs', v)),
);
const clock = fc.oneof(
  fc.constant(absent),
  fc.constant(null).map(() => ok(createFakeClock())),
  fc.constantFrom<unknown>({}, 'system', { now: 1 }, () => 0).map((v) => bad('clock', v)),
);
const random = fc.oneof(fc.constant(absent), fc.constant(ok(() => 0.5)), fc.constantFrom<unknown>(0.5, 'seeded', {}).map((v) => bad('random', v)));
const unknownKey = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  fc.constantFrom('maxRetries', 'fallback', 'apiKey', 'timeout').map((k) => ({ key: k, field: bad(k, 1) })),
);

const optionCase = fc.record({ models, retry, breaker, timeoutMs, clock, random, unknownKey });

interface OptionCase {
  models: Field;
  retry: Field;
  breaker: Field;
  timeoutMs: Field;
  clock: Field;
  random: Field;
  unknownKey: { key: string; field: Field } | undefined;
}

function build(c: OptionCase) {
  const options: Record<string, unknown> = {};
  const badPaths: string[] = [];
  for (const key of ['models', 'retry', 'breaker', 'timeoutMs', 'clock', 'random'] as const) {
    const f = c[key];
    if (f.value !== undefined || f.bad) options[key] = f.value;
    if (f.bad) badPaths.push(f.bad);
  }
  if (c.unknownKey) {
    options[c.unknownKey.key] = c.unknownKey.field.value;
    badPaths.push(c.unknownKey.field.bad!);
  }
  return { options, badPaths };
}

function construct(options: unknown): { client?: ResilientClient; error?: unknown } {
  try {
    return { client: new ResilientClient(options as ResilientClientOptions) };
  } catch (error) {
    return { error };
  }
}

describe('client options (property)', () => {
  it('either builds a working client or throws a ConfigError naming every bad path', async () => {
    await fc.assert(
      fc.asyncProperty(optionCase, async (c) => {
        const { options, badPaths } = build(c);
        const { client, error } = construct(options);
        if (badPaths.length === 0) {
          expect(error).toBeUndefined();
          // A working client: it runs a call.
          await expect(client!.run(({ model }) => model)).resolves.toBe((options.models as string[])[0]);
          client!.dispose();
          return;
        }
        client?.dispose();
        expect(isConfigError(error), `expected a ConfigError for ${badPaths.join(', ')}, got ${String(error)}`).toBe(true);
        if (!isConfigError(error)) return;
        const paths = error.issues.map((i) => i.path);
        for (const p of badPaths) {
          expect(paths).toContain(p);
          expect(error.message).toContain(`${p}:`);
        }
        for (const issue of error.issues) expect(issue.message).toMatch(/^(expected .+, received .+|unknown option(, did you mean `\w+`\?)?)$/);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws anything but a ConfigError for arbitrary values, top-level or in any option', () => {
    const anything = fc.anything({
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withSparseArray: true,
      withNullPrototype: true,
      withBoxedValues: true,
    });
    const key = fc.constantFrom('models', 'retry', 'breaker', 'timeoutMs', 'clock', 'random');
    fc.assert(
      fc.property(fc.oneof(anything.map((a) => ({ whole: a })), fc.record({ key, value: anything })), (c) => {
        const options = 'whole' in c ? c.whole : { models: ['a'], [c.key]: c.value };
        const { client, error } = construct(options);
        client?.dispose();
        if (error === undefined) return;
        expect(isConfigError(error), String(error)).toBe(true);
        if ('key' in c && isConfigError(error)) {
          for (const issue of error.issues) expect(issue.path === c.key || issue.path.startsWith(`${c.key}.`), issue.path).toBe(true);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
