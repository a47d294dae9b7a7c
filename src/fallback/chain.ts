import { KIND_TRAITS, type FailureKind } from '../classify/classify.js';
import type { ModelFailure } from '../errors/errors.js';
import type { Outcome } from './outcome.js';

export interface ChainHooks {
  /** Runs before each model; may throw to stop the chain (caller abort, disposed). */
  beforeModel(model: string): void;
  onFallback(from: string, to: string, reason: FailureKind | 'retry_after_too_long'): void;
  /** Overrides whether a failure of this kind moves the chain on (undefined: the kind's own trait decides). */
  moveOn?(kind: FailureKind | 'retry_after_too_long'): boolean | undefined;
}

export type ChainResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown; readonly failures?: undefined }
  | { readonly ok: false; readonly failures: readonly ModelFailure[] };

/**
 * Tries each model in order until one succeeds. A model's failure moves the
 * chain on only when its kind says another model may do better (rate limit,
 * overload, outage, open breaker, quota…); otherwise that error ends the call
 * as it is (a malformed request fails the same way everywhere).
 */
export async function runChain<T>(
  models: readonly string[],
  tryModel: (model: string, index: number, models: readonly string[]) => Promise<Outcome<T>>,
  hooks: ChainHooks,
): Promise<ChainResult<T>> {
  const failures: ModelFailure[] = [];
  for (let i = 0; i < models.length; i++) {
    const model = models[i]!;
    hooks.beforeModel(model);
    const outcome = await tryModel(model, i, models);
    if (outcome.ok) return outcome;
    const moveOn = hooks.moveOn?.(outcome.kind) ?? outcome.moveOn ?? (outcome.kind === 'retry_after_too_long' || KIND_TRAITS[outcome.kind].fallback);
    if (!moveOn) return { ok: false, error: outcome.error };
    failures.push(Object.freeze({ model, reason: outcome.kind, error: outcome.error }));
    const next = models[i + 1];
    if (next !== undefined) hooks.onFallback(model, next, outcome.kind);
  }
  return { ok: false, failures };
}
