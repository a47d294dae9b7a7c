import type { FailureKind } from '../classify/classify.js';

/** A call's result inside the pipeline: data, so policies branch on values, not exceptions. */
export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown; readonly kind: FailureKind | 'retry_after_too_long'; readonly moveOn?: boolean };
