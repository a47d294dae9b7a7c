import { KIND_TRAITS } from '../classify/classify.js';
import type { ResolvedDeployment } from '../deployments/resolve.js';
import { orderDeployments } from '../deployments/order.js';
import type { BreakerState } from '../events/events.js';
import type { CallState } from './attempt.js';
import type { PipelineDeps } from './deps.js';
import { laterOf, tryModel } from './pipeline.js';
import { callEstimate } from './support.js';
import type { AttemptFn, Outcome } from './types.js';

type Failure<T> = Extract<Outcome<T>, { ok: false }>;

/**
 * One model of the chain reached through its deployments: tried in weighted
 * order, those with an open breaker or no room now last; a failure that
 * another deployment may not share moves to the next deployment (at once when
 * one can serve now, instead of retrying here). The model fails, and the chain
 * moves on, only when no deployment answered. Budget, fallback and content
 * rules stay the model's.
 */
export async function tryDeployments<T>(
  deps: PipelineDeps,
  fn: AttemptFn<T>,
  model: string,
  list: readonly ResolvedDeployment[],
  call: CallState,
  index: number,
  chain: readonly string[],
  stateOf: (id: string) => BreakerState,
): Promise<Outcome<T>> {
  const limiter = deps.limiter;
  const weight = () => call.estimate ?? callEstimate(undefined, call.run);
  const ready = (id: string) => stateOf(id) !== 'open' && (!limiter.enabled || limiter.available(id, weight));
  const order = orderDeployments(list, deps.random, ready);
  const laterModels = laterOf(chain, index) ?? [];
  let failed: Failure<T> | undefined;
  for (let i = 0; i < order.length; i++) {
    const d = order[i]!;
    const rest = order.slice(i + 1);
    const outcome = await tryModel(deps, fn, model, call, index, chain, {
      key: d.id,
      model: d.wire,
      deployment: d.id,
      client: d.client,
      // A full deployment spills to another of the model with room, then to the chain's later models.
      spillTo: [...rest.map((r) => r.id), ...laterModels],
      failover: () => rest.some((r) => ready(r.id)),
    });
    if (outcome.ok || outcome.kind === 'abort' || outcome.kind === 'budget') return outcome;
    const moveOn = outcome.moveOn ?? (outcome.kind === 'retry_after_too_long' || KIND_TRAITS[outcome.kind].fallback);
    if (!moveOn) return outcome;
    // The model's failure is the most telling of its deployments': one that tried over one refused at once by its breaker.
    if (failed === undefined || (failed.kind === 'circuit_open' && outcome.kind !== 'circuit_open')) failed = outcome;
    const next = rest[0];
    if (next && deps.bus.wants('deployment:failover')) {
      deps.bus.emit('deployment:failover', { timestamp: deps.clock.now(), ...(call.taskId !== undefined ? { taskId: call.taskId } : {}), model, from: d.id, to: next.id, reason: outcome.kind });
    }
  }
  return failed!;
}
