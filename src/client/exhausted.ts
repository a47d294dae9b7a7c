import { classifyError } from '../classify/classify.js';
import { AllModelsFailedError, type ModelFailure, isCircuitOpenError } from '../errors/errors.js';
import type { EventBus } from '../events/events.js';
import type { CallState } from './attempt.js';
import type { ResilienceEvents } from './events-map.js';
import { retryThrottledOn } from './guards.js';

/**
 * The error of a call no model answered: every model's failure, the shortest
 * wait any of them asked for, and which were left early because the retry
 * budget refused a retry. Emits `exhausted`.
 */
export function exhausted(failures: readonly ModelFailure[], call: CallState, bus: EventBus<ResilienceEvents>, now: number): AllModelsFailedError {
  if (bus.wants('exhausted')) {
    bus.emit('exhausted', { timestamp: now, taskId: call.taskId, failures: failures.map((f) => Object.freeze({ model: f.model, reason: f.reason })) });
  }
  let retryAfterMs: number | undefined;
  for (const f of failures) {
    const ms = isCircuitOpenError(f.error) ? f.error.retryAfterMs : classifyError(f.error, now).retryAfterMs;
    if (ms !== undefined && (retryAfterMs === undefined || ms < retryAfterMs)) retryAfterMs = ms;
  }
  // A retry the retry budget refused is why a model was left early: say so.
  const marked = failures.map((f) => (retryThrottledOn(call, f.model) ? Object.freeze({ ...f, retryThrottled: true as const }) : f));
  return new AllModelsFailedError(marked, retryAfterMs);
}
