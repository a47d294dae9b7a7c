import { describe, expect, it } from 'vitest';
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
