import type { PipelineDeps } from './deps.js';
import type { CallState } from './attempt.js';
import { type DeploymentTarget, ModelTry } from './model-try.js';
import type { AttemptFn, Outcome } from './types.js';
import type { TryJudge } from './try-success.js';

export { laterOf } from './try-parts.js';
export type { DeploymentTarget } from './model-try.js';

/**
 * One model of the chain: budget reservation → retry loop → (per attempt)
 * breaker → timeout → your call → stream priming. Resolves with data, never
 * rejects for a provider failure; only a budget `reject` rejects, to end the chain.
 */
export function tryModel<T>(
  deps: PipelineDeps,
  fn: AttemptFn<T>,
  model: string,
  given: CallState,
  index = 0,
  chain: readonly string[] = [],
  target?: DeploymentTarget,
  judge?: TryJudge<T>,
): Promise<Outcome<T>> {
  try {
    const t = new ModelTry(deps, fn, model, given, index, chain, target);
    t.judge = judge;
    return t.start();
  } catch (error) {
    return Promise.reject(error);
  }
}
