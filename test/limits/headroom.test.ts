import { describe, expect, it } from 'vitest';
import { headroomWaitUntil } from '../../src/limits/headroom.js';
import type { RateLimitInfo } from '../../src/providers/ratelimit-headers.js';

const NOW = 1_000_000;
const info = (o: Omit<RateLimitInfo, 'observedAt'>): RateLimitInfo => ({ observedAt: NOW, ...o });
const none = { requests: 0, tokens: 0 };

describe('headroomWaitUntil', () => {
  it.each<[string, RateLimitInfo | undefined, { requests: number; tokens: number }, number, number, number | undefined]>([
    ['no headers', undefined, none, 1, 0, undefined],
    ['requests left', info({ requests: { remaining: 5, resetAt: NOW + 1_000 } }), none, 1, 0, undefined],
    ['no requests left', info({ requests: { remaining: 0, resetAt: NOW + 1_000 } }), none, 1, 0, NOW + 1_000],
    ['one left but one already sent since', info({ requests: { remaining: 1, resetAt: NOW + 1_000 } }), { requests: 1, tokens: 0 }, 1, 0, NOW + 1_000],
    ['at the configured reserve', info({ requests: { remaining: 2, resetAt: NOW + 1_000 } }), none, 1, 2, NOW + 1_000],
    ['reset already passed', info({ requests: { remaining: 0, resetAt: NOW - 1 } }), none, 1, 0, undefined],
    ['no reset known', info({ requests: { remaining: 0 } }), none, 1, 0, undefined],
    ['tokens cover the weight', info({ tokens: { remaining: 500, resetAt: NOW + 9_000 } }), none, 500, 0, undefined],
    ['tokens short of the weight', info({ tokens: { remaining: 499, resetAt: NOW + 9_000 } }), none, 500, 0, NOW + 9_000],
    ['tokens spent since', info({ tokens: { remaining: 600, resetAt: NOW + 9_000 } }), { requests: 0, tokens: 200 }, 500, 0, NOW + 9_000],
    ['the later reset wins', info({ requests: { remaining: 0, resetAt: NOW + 1_000 }, tokens: { remaining: 0, resetAt: NOW + 6_000 } }), none, 1, 0, NOW + 6_000],
    ['anthropic output tokens exhausted', info({ outputTokens: { remaining: 0, resetAt: NOW + 3_000 } }), none, 1, 0, NOW + 3_000],
    ['anthropic input tokens left', info({ inputTokens: { remaining: 10, resetAt: NOW + 3_000 } }), none, 1, 0, undefined],
  ])('%s', (_label, i, spent, weight, reserve, expected) => {
    expect(headroomWaitUntil(i, spent, weight, NOW, reserve)).toBe(expected);
  });
});
