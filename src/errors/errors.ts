/**
 * Errors the library itself raises when it refuses a call: one class per
 * refusal, each a {@link ResilienceError} with its own code and guard.
 * Provider errors are never renamed: they pass through untouched or sit in `cause`.
 */

import { type ResilienceErrorCode, ResilienceError, errorSummary, has, isResilienceError } from './resilience-error.js';

export { type ResilienceErrorCode, ResilienceError, isResilienceError };

/** An option passed to the library is invalid. Raised at construction. */
export class ConfigError extends ResilienceError {
  /** Dotted option paths that failed validation, e.g. `retry.maxRetries`. */
  readonly issues: readonly { path: string; message: string }[];
  constructor(issues: readonly { path: string; message: string }[]) {
    super('CONFIG', `Invalid llm-resilience options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
    this.issues = Object.freeze(issues.map((i) => Object.freeze({ ...i })));
  }
}
export const isConfigError = (v: unknown): v is ConfigError => has(v, 'CONFIG');

/** The model's circuit breaker is open; the provider was not called. */
export class CircuitOpenError extends ResilienceError {
  readonly model: string;
  /** How long until the breaker lets a probe through. */
  readonly retryAfterMs: number;
  constructor(model: string, retryAfterMs: number) {
    super('CIRCUIT_OPEN', `Circuit for model "${model}" is open; next probe in ${Math.max(0, Math.ceil(retryAfterMs))} ms`);
    this.name = 'CircuitOpenError';
    this.model = model;
    this.retryAfterMs = Math.max(0, retryAfterMs);
  }
}
export const isCircuitOpenError = (v: unknown): v is CircuitOpenError => has(v, 'CIRCUIT_OPEN');

/**
 * An attempt ran past its deadline (`timeoutMs`, or the one derived from the
 * model's latency); its signal was aborted. With `scope: 'call'` it was the
 * call's own `deadlineMs` that ran out, which says nothing about the model.
 */
export class TimeoutError extends ResilienceError {
  readonly model: string;
  readonly timeoutMs: number;
  /** `attempt`: the model was too slow. `call`: the call's deadline ran out (not counted against the model). */
  readonly scope: 'attempt' | 'call';
  constructor(model: string, timeoutMs: number, what = 'Attempt', scope: 'attempt' | 'call' = 'attempt') {
    super('TIMEOUT', `${what} on model "${model}" timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
    this.model = model;
    this.timeoutMs = timeoutMs;
    this.scope = scope;
  }
}
export const isTimeoutError = (v: unknown): v is TimeoutError => has(v, 'TIMEOUT');

export interface ModelFailure {
  readonly model: string;
  /** Why the model was left: the classified kind of its last error. */
  readonly reason: string;
  /** The last error seen for this model: a provider error, untouched, or one of ours. */
  readonly error: unknown;
  /** Set when the retry budget refused a retry on this model, so it was left before `maxRetries`. */
  readonly retryThrottled?: true | undefined;
}

const summarizeFailures = (failures: readonly ModelFailure[]) =>
  failures.map((f) => ({ model: f.model, reason: f.reason, ...(f.retryThrottled ? { retryThrottled: true } : {}), error: errorSummary(f.error) }));

/**
 * Every model in the chain failed. `failures` holds each model's error, in
 * order; there is no `cause`, so that nothing on this error or under it carries
 * a provider's HTTP status or headers for an outer retry loop to act on.
 */
export class AllModelsFailedError extends ResilienceError {
  /** Each model's cause, raw (the provider's own error). Not enumerable; summarized by `toJSON`. */
  declare readonly failures: readonly ModelFailure[];
  /** The smallest wait after which some model may be tried again, when known. */
  readonly retryAfterMs: number | undefined;
  constructor(failures: readonly ModelFailure[], retryAfterMs?: number) {
    const summary = failures.map((f) => `${f.model} (${f.reason}${f.retryThrottled ? '; retry refused by the retry budget' : ''})`).join(', ');
    // No `cause`: the provider errors stay in `failures`. Outer retry loops (the
    // OpenAI Agents SDK's runner policies) walk `cause` chains for an HTTP status
    // or Retry-After and would re-run the whole chain on finding one.
    super('ALL_MODELS_FAILED', `All models failed: ${summary || 'no model was available'}`);
    this.name = 'AllModelsFailedError';
    // Not enumerable: loggers that walk an error's own fields (pino's `err`
    // serializer) would otherwise serialize every provider error in full.
    Object.defineProperty(this, 'failures', { value: Object.freeze([...failures]), enumerable: false });
    this.retryAfterMs = retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), failures: summarizeFailures(this.failures) };
  }
}
export const isAllModelsFailedError = (v: unknown): v is AllModelsFailedError => has(v, 'ALL_MODELS_FAILED');

/** A bounded queue is full; the call was refused at once. */
export class QueueFullError extends ResilienceError {
  readonly model: string;
  readonly limit: number;
  constructor(model: string, limit: number) {
    super('QUEUE_FULL', `Queue for model "${model}" is full (${limit} waiting)`);
    this.name = 'QueueFullError';
    this.model = model;
    this.limit = limit;
  }
}
export const isQueueFullError = (v: unknown): v is QueueFullError => has(v, 'QUEUE_FULL');

/** Why admission refused a call on a model without sending it. */
export type NoCapacityReason = 'spill' | 'wait_limit' | 'deadline' | 'over_capacity';

/**
 * A model had no rate-limit capacity for the call: a later model could serve
 * sooner (`spill`: the chain moves on, you see this only inside
 * `AllModelsFailedError.failures`), or the wait for capacity would pass
 * `limits.maxWaitMs` (`wait_limit`) or the call could not finish by its
 * `deadlineMs` (`deadline`),
 * or the first call of a new task would wait while tasks already under way
 * need the capacity (`over_capacity`). The provider was not called.
 */
export class NoCapacityError extends ResilienceError {
  readonly model: string;
  /** How long the call would have had to wait for its share (may be `Infinity` for a concurrency slot). */
  readonly waitMs: number;
  readonly reason: NoCapacityReason;
  /** When to try this model again: `waitMs` when it is known (a bucket's refill), else undefined. */
  readonly retryAfterMs: number | undefined;
  constructor(model: string, waitMs: number, reason: NoCapacityReason) {
    const why =
      reason === 'spill'
        ? 'a later model can serve sooner'
        : reason === 'deadline'
          ? 'the wait would pass the deadline'
          : reason === 'over_capacity'
            ? 'tasks already under way come first'
            : 'the wait would pass maxWaitMs';
    super('NO_CAPACITY', `No rate-limit capacity on model "${model}" for ${Number.isFinite(waitMs) ? `${Math.ceil(waitMs)} ms` : 'now'}: ${why}`);
    this.name = 'NoCapacityError';
    this.model = model;
    this.waitMs = waitMs;
    this.reason = reason;
    this.retryAfterMs = Number.isFinite(waitMs) ? Math.max(0, Math.ceil(waitMs)) : undefined;
  }
}
export const isNoCapacityError = (v: unknown): v is NoCapacityError => has(v, 'NO_CAPACITY');

/** The client was disposed; calls in flight and new calls are refused. */
export class DisposedError extends ResilienceError {
  constructor() {
    super('DISPOSED', 'The ResilientClient has been disposed');
    this.name = 'DisposedError';
  }
}
export const isDisposedError = (v: unknown): v is DisposedError => has(v, 'DISPOSED');

/**
 * The request does not fit: a model was skipped before sending because the
 * request's estimate exceeds its context window, or — thrown by `run` — no model
 * of the chain could take it. `failures` (on the thrown one) holds each model's cause.
 */
export class ContextWindowError extends ResilienceError {
  /** The model skipped; undefined on the error `run` throws. */
  readonly model: string | undefined;
  /** The request's input estimate in tokens, when known. */
  readonly estimatedInputTokens: number | undefined;
  /** The skipped model's window; on the error `run` throws, the largest window in the chain. */
  readonly contextWindow: number | undefined;
  /** Each model's cause, raw. Not enumerable; summarized by `toJSON`, as on {@link AllModelsFailedError}. */
  declare readonly failures: readonly ModelFailure[];
  constructor(model: string | undefined, reason: string, estimatedInputTokens: number | undefined, contextWindow: number | undefined, failures: readonly ModelFailure[] = []) {
    // No `cause`, as for AllModelsFailedError: each model's error is in `failures`.
    super('CONTEXT_WINDOW', model === undefined ? `No model of the chain fits the request: ${reason}` : `Model "${model}" skipped: ${reason}`);
    this.name = 'ContextWindowError';
    this.model = model;
    this.estimatedInputTokens = estimatedInputTokens;
    this.contextWindow = contextWindow;
    Object.defineProperty(this, 'failures', { value: Object.freeze([...failures]), enumerable: false });
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), failures: summarizeFailures(this.failures) };
  }
}
export const isContextWindowError = (v: unknown): v is ContextWindowError => has(v, 'CONTEXT_WINDOW');

/** A model's response was a refusal and `content.onRefusal` asked for another model; recorded in `failures`. */
export class RefusedError extends ResilienceError {
  readonly model: string;
  constructor(model: string) {
    super('REFUSED', `Model "${model}" refused the request or its response was filtered`);
    this.name = 'RefusedError';
    this.model = model;
  }
}
export const isRefusedError = (v: unknown): v is RefusedError => has(v, 'REFUSED');

/**
 * Your own condition (`conditions.result`) judged a model's answer not good
 * enough. Recorded in `failures`; carries the verdict, never the answer itself
 * (it may hold the completion).
 */
export class ResultRejectedError extends ResilienceError {
  readonly model: string;
  /** What the condition asked for: another try on the same model, or the next model. */
  readonly verdict: 'retry' | 'fallback';
  /** The condition's own words, when it gave a reason. */
  readonly reason: string | undefined;
  constructor(model: string, verdict: 'retry' | 'fallback', reason: string | undefined, countsAgainstModel: boolean) {
    super('RESULT_REJECTED', `Model "${model}" answered, and your condition rejected the answer (${verdict}${reason ? `: ${reason}` : ''})`);
    this.name = 'ResultRejectedError';
    this.model = model;
    this.verdict = verdict;
    this.reason = reason;
    // Read by the classifier (which cannot import the conditions policy); not part of the error's own data.
    Object.defineProperty(this, 'countsAgainstModel', { value: countsAgainstModel });
  }
}
export const isResultRejectedError = (v: unknown): v is ResultRejectedError => has(v, 'RESULT_REJECTED');
