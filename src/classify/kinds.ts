import type { StopScope } from './account-stop.js';

/**
 * What went wrong, in the library's words. Retry, breaker, fallback and the
 * monitor all read this; none of them re-parses errors.
 */
export type FailureKind =
  | 'rate_limit' // 429, transient
  | 'quota' // credit balance, spend or usage limit (429 insufficient_quota, 402, Anthropic's 400 billing messages): will not clear by waiting
  | 'overloaded' // Anthropic 529 / overloaded_error
  | 'server' // 5xx, 409
  | 'network' // connection refused / reset / dropped mid-stream
  | 'timeout' // our attempt timeout, SDK connection timeout, 408
  | 'deadline' // the call's own deadline ran out, or left too little time to start an attempt
  | 'auth' // 401, 403, a disabled organisation
  | 'not_found' // 404 (e.g. unknown model)
  | 'client' // other 4xx: the request itself is wrong
  | 'context_length' // 400: the request does not fit this model's context window
  | 'content_filter' // 400: the provider refused the content (content_policy_violation)
  | 'abort' // the caller aborted
  | 'circuit_open' // our breaker refused
  | 'budget' // our budget refused
  | 'queue_full' // our limiter refused
  | 'rejected' // your own condition rejected the model's answer
  | 'unknown';

export interface Classification {
  readonly kind: FailureKind;
  /** Worth another attempt on the same model. */
  readonly retryable: boolean;
  /** Worth moving on to the next model in the chain. */
  readonly fallback: boolean;
  /** Counts as a provider failure for the circuit breaker and health. */
  readonly countsAsFailure: boolean;
  /** Server-requested delay before the next attempt, when the error carried one. */
  readonly retryAfterMs?: number;
  readonly status?: number;
  /** Provider error type or code (`overloaded_error`, `insufficient_quota`, …), when known. */
  readonly type?: string;
  /**
   * Set when the provider refused the account rather than the request, which
   * waiting does not clear: `provider` — no model of that provider will serve
   * this key (credit balance, spend or usage limit, disabled organisation,
   * invalid key, unsupported region); `model` — this model is not available to
   * the account. The client then opens the breakers it reaches for
   * `breaker.quotaResetTimeoutMs` and the chain moves on to another provider's models.
   */
  readonly scope?: StopScope;
}

interface KindTraits {
  retryable: boolean;
  fallback: boolean;
  countsAsFailure: boolean;
}
const t = (retryable: boolean, fallback: boolean, countsAsFailure: boolean): KindTraits => ({
  retryable,
  fallback,
  countsAsFailure,
});

export const KIND_TRAITS: Readonly<Record<FailureKind, KindTraits>> = Object.freeze({
  // A rate-limit 429 is capacity, not health: it feeds admission and spilling, never the breaker.
  rate_limit: t(true, true, false),
  quota: t(false, true, true),
  overloaded: t(true, true, true),
  server: t(true, true, true),
  network: t(true, true, true),
  timeout: t(true, true, true),
  deadline: t(false, true, false),
  auth: t(false, true, false),
  not_found: t(false, true, false),
  client: t(false, false, false),
  // The request's fit, not the model's health: a larger window may take it; never retried, never counted.
  context_length: t(false, true, false),
  // Moves on only when the client is told to (`content.onRefusal`); the chain decides, not the kind.
  content_filter: t(false, false, false),
  abort: t(false, false, false),
  circuit_open: t(false, true, false),
  budget: t(false, true, false),
  queue_full: t(false, true, false),
  // Retried or moved on as your condition said (the classification carries it); counted only if you ask.
  rejected: t(false, true, false),
  unknown: t(false, false, false),
});
