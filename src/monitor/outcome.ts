import type { FailureKind } from '../classify/classify.js';
import type { AttemptOutcome } from './events.js';

/**
 * How the monitor counts a failed attempt of a given kind; undefined when the
 * failure says nothing about the model (the caller aborted, our breaker, budget
 * or queue refused, or the request itself was malformed — a 400 fails the same
 * everywhere). Auth and not-found do count: the model is unusable as configured.
 */
export function outcomeOf(kind: FailureKind | 'hedge_lost'): AttemptOutcome | undefined {
  switch (kind) {
    case 'rate_limit':
    case 'quota':
      return 'rate_limited';
    case 'timeout':
      return 'timeout';
    case 'abort':
    case 'hedge_lost':
    case 'circuit_open':
    case 'budget':
    case 'queue_full':
    case 'deadline':
    case 'client':
    case 'context_length':
    case 'content_filter':
    case 'rejected':
      return undefined;
    default:
      return 'error';
  }
}
