import { isResilienceError } from '../errors/errors.js';
import { ACCOUNT_CODES, QUOTA_CODES, accountStop } from './account-stop.js';
import { parseRetryAfter, readHeader } from './headers.js';
import { type Classification, type FailureKind, KIND_TRAITS } from './kinds.js';

export type { StopScope } from './account-stop.js';

export { type Classification, type FailureKind, KIND_TRAITS } from './kinds.js';

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const TYPE_KINDS: Readonly<Record<string, FailureKind>> = {
  overloaded_error: 'overloaded',
  rate_limit_error: 'rate_limit',
  rate_limit_exceeded: 'rate_limit',
  api_error: 'server',
  server_error: 'server',
  internal_server_error: 'server',
  timeout_error: 'timeout',
  authentication_error: 'auth',
  permission_error: 'auth',
  not_found_error: 'not_found',
  invalid_request_error: 'client',
  request_too_large: 'client',
  billing_error: 'quota',
  context_length_exceeded: 'context_length',
  string_above_max_length: 'context_length',
  content_policy_violation: 'content_filter',
  content_filter: 'content_filter',
};

// Anthropic says it in the message only ("prompt is too long: 208310 tokens > 200000 maximum",
// "input length and `max_tokens` exceed context limit"); OpenAI-compatible servers without the
// code say "maximum context length". Read, never echoed.
const CONTEXT_MESSAGE = /prompt is too long|exceeds? (?:the )?context (?:limit|window)|exceed context limit|maximum context length|context length exceeded|context_length_exceeded/i;

const PROVIDER_QUOTA = Object.freeze({ kind: 'quota', scope: 'provider' } as const);

type Bag = Record<string, unknown>;
const obj = (v: unknown): Bag | undefined => (v !== null && typeof v === 'object' ? (v as Bag) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Error type / code strings an SDK error or error body may carry, most specific first. */
function typeStrings(e: Bag): string[] {
  const out: string[] = [];
  const push = (v: unknown) => {
    const s = str(v);
    if (s) out.push(s);
  };
  const inner = obj(e.error);
  const innerInner = obj(inner?.error);
  push(obj(inner?.details)?.error_code);
  push(obj(innerInner?.details)?.error_code);
  push(inner?.code);
  push(innerInner?.type);
  push(inner?.type);
  push(e.code);
  push(e.type);
  // AI SDK keeps the raw body as text.
  const body = str(e.responseBody);
  if (body && body.length < 64_000) {
    try {
      const parsed = obj(JSON.parse(body));
      const be = obj(parsed?.error);
      push(obj(be?.details)?.error_code);
      push(be?.code);
      push(be?.type);
      push(parsed?.type === 'error' ? undefined : parsed?.type);
    } catch {
      // not JSON: nothing to learn from it
    }
  }
  return out;
}

function kindFromStatus(status: number, types: readonly string[]): FailureKind {
  if (status === 429) return types.some((x) => QUOTA_CODES.has(x)) ? 'quota' : 'rate_limit';
  if (status === 529) return 'overloaded';
  if (status >= 500) return types.includes('overloaded_error') ? 'overloaded' : 'server';
  if (status === 408) return 'timeout';
  if (status === 409) return 'server';
  if (status === 402) return 'quota';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status >= 400) return 'client';
  return 'unknown';
}

// openai 7 leaves `name` as 'Error' on its error classes; the constructor keeps the real one.
function errorName(e: Bag): string | undefined {
  const n = str(e.name);
  if (n !== undefined && n !== 'Error') return n;
  try {
    return str((e.constructor as { name?: unknown } | undefined)?.name) ?? n;
  } catch {
    return n;
  }
}

function kindWithoutStatus(e: Bag, types: readonly string[]): FailureKind {
  const name = errorName(e) ?? '';
  if (name === 'AbortError' || name === 'APIUserAbortError') return 'abort';
  if (name === 'APIConnectionTimeoutError' || name === 'TimeoutError') return 'timeout';
  if (name === 'APIConnectionError') return 'network';
  for (const x of types) {
    if (QUOTA_CODES.has(x)) return 'quota';
    const k = Object.hasOwn(TYPE_KINDS, x) ? TYPE_KINDS[x] : undefined;
    if (k) return k;
    if (NETWORK_CODES.has(x)) return 'network';
  }
  const cause = obj(e.cause);
  const causeCode = str(cause?.code);
  if (causeCode && NETWORK_CODES.has(causeCode)) return 'network';
  // undici: `TypeError: fetch failed` before the response, `terminated` when the
  // connection drops mid-body. Neither carries a status.
  if (name === 'TypeError' && /^(fetch failed|terminated)$/.test(str(e.message) ?? '')) return 'network';
  // The SDKs' connection errors keep undici's TypeError in `cause`.
  if (str(cause?.name) === 'TypeError' && /^(fetch failed|terminated)$/.test(str(cause?.message) ?? '')) return 'network';
  // AI SDK APICallError without a status: trust its own verdict.
  if (e.isRetryable === true) return 'network';
  return 'unknown';
}

/** A 4xx that is about the request's fit or content rather than its shape. */
function refineClient(e: Bag, types: readonly string[]): FailureKind {
  for (const x of types) {
    const k = Object.hasOwn(TYPE_KINDS, x) ? TYPE_KINDS[x] : undefined;
    if (k === 'context_length' || k === 'content_filter') return k;
  }
  for (const m of messages(e)) if (CONTEXT_MESSAGE.test(m)) return 'context_length';
  return 'client';
}

/** The error's own message and the provider's, bounded: classification never scans a huge body. */
function messages(e: Bag): string[] {
  const out: string[] = [];
  const push = (v: unknown) => {
    const s = str(v);
    if (s) out.push(s.length > 4_096 ? s.slice(0, 4_096) : s);
  };
  const inner = obj(e.error);
  push(e.message);
  push(inner?.message);
  push(obj(inner?.error)?.message);
  const body = str(e.responseBody);
  if (body && body.length < 64_000) push(body);
  return out;
}

function build(kind: FailureKind, extra: Partial<Classification>, shouldRetry?: string): Classification {
  const traits = KIND_TRAITS[kind];
  // `x-should-retry` is the provider's explicit advice (openai, anthropic); it
  // overrides our guess about a transient failure, never a permanent one.
  const retryable = traits.retryable && shouldRetry !== 'false';
  return Object.freeze({ kind, ...traits, retryable, ...extra });
}

/**
 * Turns any thrown value into a {@link Classification} by duck typing, without
 * importing any SDK. Never throws.
 *
 * @param nowMs current time, used to turn an HTTP-date `retry-after` into a delay
 */
export function classifyError(error: unknown, nowMs = 0): Classification {
  try {
    return classifyUnsafe(error, nowMs, 0);
  } catch {
    return build('unknown', {});
  }
}

function classifyUnsafe(error: unknown, nowMs: number, depth: number): Classification {
  if (isResilienceError(error)) {
    const code = error.code;
    if (code === 'CIRCUIT_OPEN') return build('circuit_open', { retryAfterMs: (error as { retryAfterMs?: number }).retryAfterMs ?? 0 });
    if (code === 'TIMEOUT') return build((error as { scope?: unknown }).scope === 'call' ? 'deadline' : 'timeout', {});
    if (code === 'BUDGET_EXCEEDED') return build('budget', {});
    if (code === 'QUEUE_FULL') return build('queue_full', {});
    if (code === 'NO_CAPACITY') {
      // Refused before sending: the chain moves on, no retry on the same model.
      const waitMs = (error as { waitMs?: number }).waitMs;
      return Object.freeze({ ...build('rate_limit', Number.isFinite(waitMs) ? { retryAfterMs: waitMs! } : {}), retryable: false });
    }
    if (code === 'CONTEXT_WINDOW') return build('context_length', {});
    if (code === 'REFUSED') return build('content_filter', {});
    if (code === 'RESULT_REJECTED') {
      const e = error as unknown as { verdict?: unknown; countsAgainstModel?: unknown };
      // A retry goes at once: the model answered, it is not overloaded.
      const retry = e.verdict === 'retry';
      return Object.freeze({ kind: 'rejected', retryable: retry, fallback: true, countsAsFailure: e.countsAgainstModel === true, ...(retry ? { retryAfterMs: 0 } : {}) });
    }
    return build('unknown', {});
  }
  const e = obj(error);
  if (!e) return build('unknown', {});

  // AI SDK RetryError wraps the attempts it made; the last one decides.
  if (depth < 3 && str(e.name) === 'AI_RetryError' && e.lastError !== undefined) {
    return classifyUnsafe(e.lastError, nowMs, depth + 1);
  }

  const statusRaw = e.status ?? e.statusCode ?? obj(e.response)?.status;
  const status = typeof statusRaw === 'number' && Number.isInteger(statusRaw) ? statusRaw : undefined;
  const headers = e.headers ?? e.responseHeaders ?? obj(e.response)?.headers;
  const types = typeStrings(e);
  const name = errorName(e);

  let kind: FailureKind;
  if (name === 'AbortError' || name === 'APIUserAbortError') kind = 'abort';
  else if (name === 'EnforcedSpendLimitReachedError') kind = 'quota';
  else if (status !== undefined && status >= 400) kind = kindFromStatus(status, types);
  else kind = kindWithoutStatus(e, types);
  // An account the provider will not serve, whatever status and type it came with (Anthropic sends
  // a spent balance as a 400 invalid_request_error): never a client error, never transient.
  // Every quota is the account's, so it reaches every model of the provider.
  const stop = kind === 'abort' ? undefined : (accountStop(status, types, () => messages(e)) ?? (kind === 'quota' ? PROVIDER_QUOTA : undefined));
  if (stop) kind = stop.kind;
  else if (kind === 'client') kind = refineClient(e, types);

  const retryAfterMs = parseRetryAfter(headers, nowMs);
  // Only well-known codes are echoed back: a provider body is free text and
  // may carry anything, keys included.
  const type = types.find((x) => QUOTA_CODES.has(x) || ACCOUNT_CODES.has(x) || Object.hasOwn(TYPE_KINDS, x) || NETWORK_CODES.has(x));
  const extra: { -readonly [K in keyof Classification]?: Classification[K] } = {};
  if (status !== undefined) extra.status = status;
  if (retryAfterMs !== undefined) extra.retryAfterMs = retryAfterMs;
  if (type !== undefined) extra.type = type;
  if (stop) extra.scope = stop.scope;
  return build(kind, extra, readHeader(headers, 'x-should-retry'));
}
