import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/classify/classify.js';
import { CircuitOpenError, TimeoutError } from '../../src/errors/errors.js';

const sdkError = (status: number | undefined, body: unknown, headers: Record<string, string> = {}, name = 'APIError') =>
  Object.assign(new Error('boom'), { name, status, headers: new Headers(headers), error: body });

describe('classifyError', () => {
  it.each([
    ['openai 429 transient', sdkError(429, { type: 'requests', code: 'rate_limit_exceeded' }), 'rate_limit', true, true],
    ['openai 429 insufficient_quota', sdkError(429, { type: 'insufficient_quota', code: 'insufficient_quota' }), 'quota', false, true],
    [
      'anthropic 429 spend limit',
      sdkError(429, { type: 'error', error: { type: 'rate_limit_error', details: { error_code: 'enforced_spend_limit_reached' } } }),
      'quota',
      false,
      true,
    ],
    ['anthropic 529', sdkError(529, { type: 'error', error: { type: 'overloaded_error' } }), 'overloaded', true, true],
    ['500', sdkError(500, undefined), 'server', true, true],
    ['503 overloaded body', sdkError(503, { type: 'error', error: { type: 'overloaded_error' } }), 'overloaded', true, true],
    ['408', sdkError(408, undefined), 'timeout', true, true],
    ['409', sdkError(409, undefined), 'server', true, true],
    ['400', sdkError(400, { type: 'invalid_request_error' }), 'client', false, false],
    ['422', sdkError(422, undefined), 'client', false, false],
    ['401', sdkError(401, undefined), 'auth', false, true],
    ['404', sdkError(404, undefined), 'not_found', false, true],
    ['402', sdkError(402, undefined), 'quota', false, true],
  ])('%s', (_label, error, kind, retryable, fallback) => {
    const c = classifyError(error);
    expect(c).toMatchObject({ kind, retryable, fallback });
  });

  it('classifies errors raised inside a 200 stream by body type (no status)', () => {
    const anthropic = Object.assign(new Error('Overloaded'), { name: 'APIError', status: undefined, type: 'overloaded_error', error: { type: 'error', error: { type: 'overloaded_error' } } });
    expect(classifyError(anthropic).kind).toBe('overloaded');
    const openai = Object.assign(new Error('server'), { name: 'APIError', status: undefined, error: { type: 'server_error', code: null } });
    expect(classifyError(openai).kind).toBe('server');
  });

  it('reads the Vercel AI SDK APICallError shape (statusCode, plain responseHeaders, responseBody text)', () => {
    const e = Object.assign(new Error('quota'), {
      name: 'AI_APICallError',
      statusCode: 429,
      responseHeaders: { 'Retry-After': '3' },
      responseBody: JSON.stringify({ error: { type: 'insufficient_quota', code: 'insufficient_quota' } }),
      isRetryable: true,
    });
    expect(classifyError(e)).toMatchObject({ kind: 'quota', retryable: false, status: 429, retryAfterMs: 3_000 });
    const retryError = { name: 'AI_RetryError', reason: 'maxRetriesExceeded', errors: [], lastError: Object.assign(new Error('x'), { statusCode: 529 }) };
    expect(classifyError(retryError).kind).toBe('overloaded');
  });

  it('recognizes network errors, SDK connection errors and aborts', () => {
    expect(classifyError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })).kind).toBe('network');
    expect(classifyError(new TypeError('terminated')).kind).toBe('network');
    expect(classifyError(Object.assign(new Error('Connection error.'), { name: 'APIConnectionError' })).kind).toBe('network');
    expect(classifyError(Object.assign(new Error('timed out'), { name: 'APIConnectionTimeoutError' })).kind).toBe('timeout');
    expect(classifyError(Object.assign(new Error('aborted'), { name: 'APIUserAbortError' })).kind).toBe('abort');
    expect(classifyError(new DOMException('aborted', 'AbortError')).kind).toBe('abort');
    expect(classifyError(Object.assign(new Error('reset'), { code: 'ECONNRESET' })).kind).toBe('network');
  });

  it('classifies our own errors', () => {
    expect(classifyError(new CircuitOpenError('m', 10)).kind).toBe('circuit_open');
    expect(classifyError(new TimeoutError('m', 10))).toMatchObject({ kind: 'timeout', retryable: true });
  });

  it('reads retry-after-ms, retry-after seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(classifyError(sdkError(429, {}, { 'retry-after-ms': '1500', 'retry-after': '9' }), now).retryAfterMs).toBe(1_500);
    expect(classifyError(sdkError(429, {}, { 'retry-after': '2' }), now).retryAfterMs).toBe(2_000);
    expect(classifyError(sdkError(429, {}, { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now).retryAfterMs).toBe(5_000);
  });

  it('ignores malformed retry-after values instead of crashing', () => {
    for (const v of ['soon', '-5', '1e999x', '', '  ', 'NaN']) {
      expect(classifyError(sdkError(429, {}, { 'retry-after': v })).retryAfterMs).toBeUndefined();
    }
    expect(classifyError(sdkError(429, {}, { 'retry-after-ms': 'abc' })).retryAfterMs).toBeUndefined();
  });

  it('honours x-should-retry: false on a transient failure', () => {
    expect(classifyError(sdkError(503, undefined, { 'x-should-retry': 'false' }))).toMatchObject({ kind: 'server', retryable: false, fallback: true });
  });

  it('never throws on odd input', () => {
    const hostile = new Proxy({}, { get: () => { throw new Error('trap'); } });
    for (const v of [undefined, null, 0, 'str', Symbol('s'), [], {}, hostile, { status: 'x' }, { headers: 5 }, { responseBody: '{not json' }]) {
      expect(() => classifyError(v)).not.toThrow();
    }
    expect(classifyError('str')).toMatchObject({ kind: 'unknown', retryable: false, fallback: false });
  });

  it('echoes only well-known type codes, never free text from a body', () => {
    const c = classifyError(sdkError(400, { type: 'sk-live-abcdefghijklmnop', code: 'sk-live-abcdefghijklmnop' }));
    expect(c.type).toBeUndefined();
  });
});
