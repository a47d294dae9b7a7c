/**
 * The root of the errors the library raises: the brand its guards check (not
 * `instanceof`, so two copies of the package installed side by side agree),
 * the marker that tells outer retry loops not to re-run the call, and what
 * loggers see of it and of what it carries (`toJSON`, `util.inspect`): never a
 * provider's raw error.
 */

import { maskedView, redact } from './redact.js';

const BRAND = Symbol.for('llm-resilience.error');
// LangChain's AsyncCaller (and anything else built on @langchain/core) reads this
// registered symbol as an own property and never retries an error marked `false`.
const LANGCHAIN_RETRYABLE = Symbol.for('langchain.errors.retryable');
// Node's `util.inspect` hook, by its registered name: no `node:util` import, so this module loads anywhere.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

const isPrimitive = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * What one of our errors says about an error it carries (a provider's, a
 * store's): name, message (redacted, cut), HTTP status and code. Never its
 * other fields: SDK errors carry request headers (the API key), the request
 * body (the prompt) and the response body (the completion).
 */
export function errorSummary(error: unknown): Record<string, unknown> | string {
  if (isResilienceError(error)) return error.toJSON();
  if (typeof error !== 'object' || error === null) return typeof error === 'string' ? redact(error).slice(0, 500) : typeof error;
  const e = error as { name?: unknown; message?: unknown; status?: unknown; statusCode?: unknown; code?: unknown };
  const out: Record<string, unknown> = {};
  try {
    if (typeof e.name === 'string') out.name = e.name;
    if (typeof e.message === 'string') out.message = redact(e.message).slice(0, 500);
    const status = e.status ?? e.statusCode;
    if (typeof status === 'number') out.status = status;
    if (isPrimitive(e.code)) out.code = typeof e.code === 'string' ? redact(e.code) : e.code;
  } catch {
    out.message = 'an error that could not be read';
  }
  return out;
}

export type ResilienceErrorCode =
  | 'CONFIG'
  | 'CIRCUIT_OPEN'
  | 'TIMEOUT'
  | 'ALL_MODELS_FAILED'
  | 'BUDGET_EXCEEDED'
  | 'BUDGET_STORE'
  | 'QUEUE_FULL'
  | 'NO_CAPACITY'
  | 'DISPOSED'
  | 'STREAM_INTERRUPTED'
  | 'CONTEXT_WINDOW'
  | 'REFUSED'
  | 'RESULT_REJECTED';

export class ResilienceError extends Error {
  readonly code: ResilienceErrorCode;
  declare readonly [BRAND]: true;

  constructor(code: ResilienceErrorCode, message: string, options?: { cause?: unknown }) {
    // `cause` is the original seen through a mask: loggers walk cause chains
    // and print each level's message and stack, which may quote the API key.
    super(message, options && 'cause' in options ? { cause: maskedView(options.cause, isResilienceError) } : options);
    this.name = 'ResilienceError';
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
    // Our errors are final: the library already retried and fell back as
    // configured, so an outer loop re-running the call would multiply its
    // requests. Frameworks that honour a marker read this one.
    Object.defineProperty(this, LANGCHAIN_RETRYABLE, { value: false, configurable: true });
  }

  /**
   * What `JSON.stringify(error)` and loggers see: name, code, message, our own
   * fields, and a summary of `cause` (name, redacted message, status) — never
   * the raw provider error, whose headers and bodies may hold the API key, the
   * prompt or the completion. The raw error stays in `cause`.
   */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const key of Object.keys(this)) if (!(key in out)) out[key] = (this as unknown as Record<string, unknown>)[key];
    if (this.cause !== undefined) out.cause = errorSummary(this.cause);
    return out;
  }

  /** `util.inspect` / `console.log`: the stack, then the same safe fields as {@link toJSON}. */
  [INSPECT](depth: number, options: object, inspect?: (value: unknown, options: object) => string): string {
    const { name: _name, message: _message, ...fields } = this.toJSON();
    const shown = inspect ? inspect(fields, { ...options, depth: Math.max(2, depth) }) : JSON.stringify(fields);
    return `${this.stack ?? `${this.name}: ${this.message}`} ${shown}`;
  }
}

/** The guards' check: one of our errors (by its brand), and with `code` when given. */
export const has = (value: unknown, code?: ResilienceErrorCode): boolean =>
  typeof value === 'object' &&
  value !== null &&
  (value as Record<symbol, unknown>)[BRAND] === true &&
  (code === undefined || (value as { code?: unknown }).code === code);

export const isResilienceError = (value: unknown): value is ResilienceError => has(value);
