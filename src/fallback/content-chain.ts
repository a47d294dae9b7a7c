import { ContextWindowError, type ModelFailure } from '../errors/errors.js';
import { type ChainHooks, type ChainResult, runChain } from './chain.js';
import type { ContentPolicy, FitState } from './content.js';
import type { Outcome } from './outcome.js';

type TryModel<T> = (model: string, index: number, chain: readonly string[]) => Promise<Outcome<T>>;

/** How a call's chain ended once the content rules had their say. */
export type ContentResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown; readonly failures?: undefined }
  | { readonly ok: false; readonly failures: readonly ModelFailure[]; readonly error?: ContextWindowError };

/**
 * A refusal moves the chain on only when the refusal rule says so: to the
 * next model, or (once the main chain stopped on a refusal) through the named
 * refusal chain. Returns the hooks' `moveOn` and the step that runs after the
 * main chain.
 */
export function contentChain<T>(content: ContentPolicy, fit: FitState, models: readonly string[]) {
  const refusal = content.onRefusal;
  let inRefusalChain = false;
  return {
    moveOn: (kind: string): boolean | undefined => (kind === 'content_filter' ? refusal === 'fallback' || inRefusalChain : undefined),
    /** After the main chain: the refusal chain when it stopped on a refusal, a refused answer when nothing else answered, the context-window error when nothing fit. */
    async finish(result: ChainResult<T>, tryOne: TryModel<T>, hooks: ChainHooks): Promise<ContentResult<T>> {
      if (!result.ok && typeof refusal === 'object' && fit.filtered !== undefined) {
        inRefusalChain = true;
        hooks.onFallback(fit.filtered, refusal.models[0]!, 'content_filter');
        const second = await runChain(refusal.models, tryOne, hooks);
        if (second.ok || !fit.refused) result = second;
      }
      if (result.ok) return result;
      // No other model answered: the refused response is still an answer.
      if (fit.refused) return { ok: true, value: fit.refused.value as T };
      if (result.failures?.every((f) => f.reason === 'context_length')) {
        const largest = content.largestWindow(models);
        const est = fit.inputTokens === undefined ? 'the request' : `about ${fit.inputTokens} input tokens`;
        const error = new ContextWindowError(undefined, `${est}; largest known context window ${largest ?? 'unknown'}`, fit.inputTokens, largest, result.failures);
        return { ok: false, failures: result.failures, error };
      }
      return result;
    },
  };
}
