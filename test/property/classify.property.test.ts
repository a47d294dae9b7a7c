import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KIND_TRAITS } from '../../src/classify/classify.js';
import { classifyError, parseRetryAfter, type Classification } from '../../src/index.js';

/**
 * Random thrown values and response shapes into classification: it must never
 * throw, and what it returns must be well-formed. `type` may only echo codes
 * the library knows: a provider body is free text and may carry a key.
 */

// The codes classify.ts documents as echo-able (quota, type→kind, network codes).
const KNOWN_TYPES = new Set([
  'insufficient_quota', 'billing_hard_limit_reached', 'billing_not_active', 'enforced_spend_limit_reached',
  'overloaded_error', 'rate_limit_error', 'rate_limit_exceeded', 'api_error', 'server_error', 'internal_server_error',
  'timeout_error', 'authentication_error', 'permission_error', 'not_found_error', 'invalid_request_error',
  'request_too_large', 'billing_error',
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

const anything = fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: true });
const code = fc.oneof(fc.constantFrom(...KNOWN_TYPES), fc.string(), anything);
const headerValue = fc.oneof(
  fc.constantFrom('0', '2', '1.5', '-1', '', ' ', 'abc', '9'.repeat(400), 'Wed, 21 Oct 2015 07:28:00 GMT', 'Thu, 01 Jan 2099 00:00:00 GMT', 'NaN', 'Infinity', '1e309'),
  fc.string(),
  fc.integer().map(String),
);
const headerRecord = fc.dictionary(
  fc.oneof(fc.constantFrom('retry-after', 'Retry-After', 'retry-after-ms', 'x-should-retry'), fc.string()),
  fc.oneof(headerValue, fc.array(headerValue, { maxLength: 2 }), anything),
);
// fast-check inspects generated values, so the hostile Proxy is generated as a
// marker and swapped in just before the call.
const HOSTILE = Object.freeze({ hostileProxy: true });
const hostileProxy = () =>
  new Proxy(
    {},
    {
      get() {
        throw new Error('boom');
      },
      has() {
        throw new Error('boom');
      },
      ownKeys() {
        throw new Error('boom');
      },
    },
  );
const throwingProxy = fc.constant(HOSTILE);
const swap = (v: unknown): unknown => (v === HOSTILE ? hostileProxy() : v);
function materialize<T>(e: T): T {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return swap(e) as T;
  const o = e as Record<string, unknown>;
  for (const k of ['headers', 'responseHeaders']) if (Object.hasOwn(o, k)) o[k] = swap(o[k]);
  const r = o.response;
  if (r && typeof r === 'object' && Object.hasOwn(r, 'headers')) (r as Record<string, unknown>).headers = swap((r as Record<string, unknown>).headers);
  return e;
}
const headers = fc.oneof(
  headerRecord,
  headerRecord.map((r) => {
    try {
      return new Headers(Object.entries(r).filter((e): e is [string, string] => typeof e[1] === 'string' && /^[a-z-]+$/i.test(e[0]) && !/[\r\n\0]/.test(e[1])));
    } catch {
      return new Headers();
    }
  }),
  headerRecord.map((r) => new Map(Object.entries(r))),
  throwingProxy,
  anything,
);
const body = fc.oneof(
  fc.record({ type: code, message: fc.string(), code, details: fc.record({ error_code: code }) }, { requiredKeys: [] }),
  fc.record({ type: fc.constant('error'), error: fc.record({ type: code, message: fc.string(), details: fc.record({ error_code: code }) }, { requiredKeys: [] }) }),
  anything,
);
const errorShape = fc.record(
  {
    name: fc.oneof(
      fc.constantFrom('AbortError', 'APIUserAbortError', 'APIConnectionError', 'APIConnectionTimeoutError', 'TimeoutError', 'TypeError', 'AI_RetryError', 'EnforcedSpendLimitReachedError', 'AI_APICallError'),
      fc.string(),
      anything,
    ),
    message: fc.oneof(fc.constantFrom('fetch failed', 'terminated'), fc.string(), anything),
    status: fc.oneof(fc.integer({ min: 0, max: 700 }), fc.constantFrom(429, 529, 500, 400, 408, 409, 402, 401, 404), fc.double(), anything),
    statusCode: fc.oneof(fc.integer({ min: 0, max: 700 }), anything),
    headers,
    responseHeaders: headers,
    response: fc.record({ status: fc.oneof(fc.integer(), anything), headers }, { requiredKeys: [] }),
    error: body,
    code,
    type: code,
    responseBody: fc.oneof(body.map((b) => { try { return JSON.stringify(b); } catch { return '{'; } }), fc.string(), fc.constant('{"error":')),
    isRetryable: fc.oneof(fc.boolean(), anything),
    cause: fc.oneof(fc.record({ code }), anything),
  },
  { requiredKeys: [] },
);
// AI SDK RetryError nests attempts; include self-reference too.
const nested = errorShape.chain((inner) =>
  fc.oneof(
    fc.constant(inner),
    fc.constant({ name: 'AI_RetryError', lastError: inner, errors: [inner] }),
    fc.constant(null).map(() => {
      const cyclic: Record<string, unknown> = { ...inner, name: 'AI_RetryError' };
      cyclic.lastError = cyclic;
      cyclic.cause = cyclic;
      return cyclic;
    }),
    fc.constant(null).map(() => Object.assign(new Error(typeof inner.message === 'string' ? inner.message : 'x'), inner)),
  ),
);

function wellFormed(c: Classification): void {
  expect(Object.hasOwn(KIND_TRAITS, c.kind), c.kind).toBe(true);
  for (const flag of [c.retryable, c.fallback, c.countsAsFailure]) expect(typeof flag).toBe('boolean');
  if (c.retryAfterMs !== undefined) expect(c.retryAfterMs >= 0, String(c.retryAfterMs)).toBe(true);
  if (c.status !== undefined) expect(Number.isInteger(c.status)).toBe(true);
  if (c.type !== undefined) expect(KNOWN_TYPES.has(c.type), c.type).toBe(true);
  expect(Object.isFrozen(c)).toBe(true);
}

describe('classifyError (fuzz)', () => {
  it('never throws on arbitrary thrown values', () => {
    fc.assert(
      fc.property(anything, fc.integer({ min: 0, max: 4_102_444_800_000 }), (value, now) => {
        wellFormed(classifyError(value, now));
      }),
      { numRuns: 2_000 },
    );
  });

  it('never throws on SDK-like error shapes, nested, cyclic or with hostile headers', () => {
    fc.assert(
      fc.property(nested, fc.integer({ min: 0, max: 4_102_444_800_000 }), (value, now) => {
        const v = materialize(value) as { lastError?: unknown };
        if (v && typeof v === 'object' && Object.hasOwn(v, 'lastError')) materialize(v.lastError);
        wellFormed(classifyError(v, now));
      }),
      { numRuns: 3_000 },
    );
  });

  it('parseRetryAfter never throws and never returns a negative or NaN delay', () => {
    fc.assert(
      fc.property(headers, fc.integer({ min: 0, max: 4_102_444_800_000 }), (h, now) => {
        const ms = parseRetryAfter(swap(h), now);
        if (ms !== undefined) expect(ms >= 0, String(ms)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('a throwing Proxy as the error itself classifies as unknown', () => {
    const hostile = new Proxy({}, { get: () => { throw new Error('boom'); } });
    expect(classifyError(hostile).kind).toBe('unknown');
  });
});
