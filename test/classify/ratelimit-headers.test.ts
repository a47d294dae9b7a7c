import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCount, parseGoDuration, parseRateLimitHeaders, parseRfc3339 } from '../../src/classify/ratelimit-headers.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('parseGoDuration', () => {
  it.each([
    ['1s', 1_000],
    ['6m0s', 360_000],
    ['12ms', 12],
    ['1h2m3.5s', 3_723_500],
    ['0s', 0],
    ['0', 0],
    ['1.5s', 1_500],
    ['500us', 0.5],
    ['2h', 7_200_000],
    [' 20ms ', 20],
    ['3µs', 0.003],
    ['3μs', 0.003],
    ['7ns', 7e-6],
    ['.5s', 500],
    ['1.s', 1_000],
    ['1m1ms', 60_001],
  ])('%j → %d ms', (raw, ms) => {
    expect(parseGoDuration(raw)).toBe(ms);
  });

  it.each([undefined, '', 'banana', '6', '-1s', '1x', 's', '1s2', 'ms1', '1 s', 'Infinity', '1e3s', '.s', '1.5', '1n', '1u', 'm', `${'1s'.repeat(33)}`])('%j → undefined', (raw) => {
    expect(parseGoDuration(raw)).toBeUndefined();
  });
});

describe('parseRfc3339', () => {
  it.each([
    ['2026-01-01T00:00:30Z', NOW + 30_000],
    ['2026-01-01T00:00:30.250Z', NOW + 30_250],
    ['2026-01-01T01:00:30+01:00', NOW + 30_000],
  ])('%j', (raw, at) => expect(parseRfc3339(raw)).toBe(at));

  it.each([undefined, '', 'tomorrow', '2026-01-01', '1767225600', 'Thu, 01 Jan 2026 00:00:00 GMT', '2026-13-45T99:99:99Z'])('%j → undefined', (raw) => {
    expect(parseRfc3339(raw)).toBeUndefined();
  });
});

describe('parseRfc3339 remembers only the last string read', () => {
  it('answers each string for itself, in any order', () => {
    const a = '2026-01-01T00:00:30Z';
    const b = '2026-01-01T00:01:00Z';
    for (const [raw, at] of [[a, NOW + 30_000], [a, NOW + 30_000], [b, NOW + 60_000], ['2026-13-45T99:99:99Z', undefined], [a, NOW + 30_000], [` ${b} `, NOW + 60_000], [b, NOW + 60_000], ['', undefined], [undefined, undefined], [a, NOW + 30_000]] as const) {
      expect(parseRfc3339(raw)).toBe(at);
    }
  });
});

describe('parseCount', () => {
  it.each([
    ['0', 0],
    ['60', 60],
    ['149984', 149_984],
    [' 7 ', 7],
  ])('%j → %d', (raw, n) => expect(parseCount(raw)).toBe(n));
  it.each([undefined, '', '-1', '12k', 'NaN', '1e5', '0x10'])('%j → undefined', (raw) => expect(parseCount(raw)).toBeUndefined());
});

describe('parseRateLimitHeaders', () => {
  it('reads the OpenAI family, resets relative to the observation time', () => {
    const headers = new Headers({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-limit-tokens': '150000',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-tokens': '6m0s',
    });
    expect(parseRateLimitHeaders(headers, NOW)).toEqual({
      observedAt: NOW,
      requests: { limit: 60, remaining: 59, resetAt: NOW + 1_000 },
      tokens: { limit: 150_000, remaining: 149_984, resetAt: NOW + 360_000 },
    });
  });

  it('reads the Anthropic family from a plain record (AI SDK shape), case-insensitively', () => {
    const headers = {
      'Anthropic-RateLimit-Requests-Limit': '50',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:20Z',
      'anthropic-ratelimit-tokens-remaining': '1000',
      'anthropic-ratelimit-input-tokens-limit': '40000',
      'anthropic-ratelimit-input-tokens-remaining': '39000',
      'anthropic-ratelimit-input-tokens-reset': '2026-01-01T00:01:00Z',
      'anthropic-ratelimit-output-tokens-remaining': '8000',
    };
    expect(parseRateLimitHeaders(headers, NOW)).toEqual({
      observedAt: NOW,
      requests: { limit: 50, remaining: 0, resetAt: NOW + 20_000 },
      tokens: { remaining: 1_000 },
      inputTokens: { limit: 40_000, remaining: 39_000, resetAt: NOW + 60_000 },
      outputTokens: { remaining: 8_000 },
    });
  });

  it('skips malformed values and keeps the good ones', () => {
    const headers = new Map([
      ['x-ratelimit-limit-requests', 'lots'],
      ['x-ratelimit-remaining-requests', '3'],
      ['x-ratelimit-reset-requests', 'soon'],
      ['x-ratelimit-remaining-tokens', '-5'],
    ]);
    expect(parseRateLimitHeaders(headers, NOW)).toEqual({ observedAt: NOW, requests: { remaining: 3 } });
  });

  it.each([
    ['no headers at all', new Headers()],
    ['only unrelated headers', { 'content-type': 'application/json', 'retry-after': '2' }],
    ['only malformed values', { 'x-ratelimit-remaining-requests': 'x', 'anthropic-ratelimit-tokens-reset': 'y' }],
    ['null', null],
    ['a string', 'x-ratelimit-remaining-requests: 3'],
    ['a throwing getter', { get: () => { throw new Error('boom'); } }],
  ])('returns undefined for %s', (_label, headers) => {
    expect(parseRateLimitHeaders(headers, NOW)).toBeUndefined();
  });

  it('returns frozen data', () => {
    const info = parseRateLimitHeaders({ 'x-ratelimit-remaining-tokens': '10' }, NOW)!;
    expect(Object.isFrozen(info)).toBe(true);
    expect(Object.isFrozen(info.tokens)).toBe(true);
  });

  it('reads a plain record in any spelling: the exact lower-case name wins, else the first spelling', () => {
    const info = parseRateLimitHeaders(
      {
        'X-RateLimit-Limit-Requests': '1',
        'x-ratelimit-limit-requests': '2',
        'x-ratelimit-remaining-requests': ['3', '4'],
        'X-RATELIMIT-REMAINING-TOKENS': '5',
        'x-ratelimit-Remaining-tokens': '6',
        'x-ratelimit-limit-tokens': 7,
        'anthropic-ratelimit-output-tokens-LIMIT': '8',
      },
      NOW,
    );
    expect(info).toEqual({ observedAt: NOW, requests: { limit: 2, remaining: 3 }, tokens: { remaining: 5 }, outputTokens: { limit: 8 } });
  });

  it('returns undefined for a record with no rate-limit header', () => {
    expect(parseRateLimitHeaders({ 'content-type': 'application/json', 'x-request-id': 'r', 'anthropic-version': 'v' }, NOW)).toBeUndefined();
  });
});

// The counts and durations are read by hand-written scans; these hold them to their definitions.
describe('the scans agree with their definitions', () => {
  const COUNT = /^\d+(?:\.\d+)?$/;
  const countByDefinition = (raw: string) => {
    const v = raw.trim();
    if (!COUNT.test(v)) return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const UNIT: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  const DURATION = /^(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
  const durationByDefinition = (raw: string) => {
    const v = raw.trim();
    if (v === '0') return 0;
    if (!v || v.length > 64 || !DURATION.test(v)) return undefined;
    let ms = 0;
    for (const [, n, unit] of v.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) ms += Number(n) * UNIT[unit!]!;
    return Number.isFinite(ms) ? ms : undefined;
  };
  const text = (chars: string, maxLength: number) => fc.array(fc.constantFrom(...chars), { maxLength }).map((a) => a.join(''));

  it('parseCount: digits, or digits around one dot, after trimming', () => {
    fc.assert(fc.property(fc.oneof(text('0123456789. -+ex\u00a0', 12), fc.bigInt({ min: 0n, max: 10n ** 400n }).map(String), fc.double({ min: 0, noNaN: true }).map(String)), (raw) => {
      expect(parseCount(raw)).toBe(countByDefinition(raw));
    }), { numRuns: 2_000 });
  });

  it('parseGoDuration: numbers each followed by a Go unit', () => {
    const valid = fc.array(fc.tuple(fc.oneof(fc.nat().map(String), fc.double({ min: 0, max: 1e6, noNaN: true }).map((d) => d.toFixed(3)), text('0123456789.', 6)), fc.constantFrom(...Object.keys(UNIT))), { minLength: 1, maxLength: 4 }).map((parts) => parts.map(([n, u]) => n + u).join(''));
    fc.assert(fc.property(fc.oneof(valid, text('0123456789.nsumhµμ x', 10)), (raw) => {
      expect(parseGoDuration(raw)).toBe(durationByDefinition(raw));
    }), { numRuns: 2_000 });
  });
});

describe('every header shape gives the same reading', () => {
  const NAMES = [
    ...['requests', 'tokens', 'input-tokens', 'output-tokens'].flatMap((d) => [`anthropic-ratelimit-${d}-limit`, `anthropic-ratelimit-${d}-remaining`, `anthropic-ratelimit-${d}-reset`]),
    ...['requests', 'tokens'].flatMap((d) => [`x-ratelimit-limit-${d}`, `x-ratelimit-remaining-${d}`, `x-ratelimit-reset-${d}`]),
  ];
  const value = fc.constantFrom('0', '12', '149984', '1.5', 'x', '', '6m0s', '20ms', '2026-01-01T00:00:30Z', ' 7 ');
  const entries = fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES, 'content-type', 'x-request-id', 'anthropic-version'), value), { selector: ([name]) => name, maxLength: 12 });

  it('a fetch Headers, a Map and a plain record of the same entries', () => {
    fc.assert(fc.property(entries, entries, (first, second) => {
      // Two parses in a row: the second must not see anything of the first.
      for (const list of [first, second]) {
        const fromMap = parseRateLimitHeaders(new Map(list), NOW);
        expect(parseRateLimitHeaders(new Headers(list), NOW)).toEqual(fromMap);
        expect(parseRateLimitHeaders(Object.fromEntries(list), NOW)).toEqual(fromMap);
      }
    }), { numRuns: 500 });
  });

  it('a record whose getter throws part-way leaves nothing for the next parse', () => {
    const record = { 'x-ratelimit-limit-requests': '5', get 'x-ratelimit-remaining-requests'(): string { throw new Error('boom'); } };
    expect(parseRateLimitHeaders(record, NOW)).toBeUndefined();
    expect(parseRateLimitHeaders({ 'x-ratelimit-remaining-requests': '3' }, NOW)).toEqual({ observedAt: NOW, requests: { remaining: 3 } });
  });
});
