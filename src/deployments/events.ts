import type { FailureKind } from '../classify/classify.js';
import type { EventBase } from '../events/events.js';

/** A call left one deployment of a model for another of the same model (not a fallback: the model stays). */
export interface DeploymentFailoverEvent extends EventBase {
  readonly model: string;
  /** The deployment left. */
  readonly from: string;
  /** The deployment tried next. */
  readonly to: string;
  /** Why `from` was left: a failure kind, or `retry_after_too_long`. */
  readonly reason: FailureKind | 'retry_after_too_long';
}

export interface DeploymentEvents {
  'deployment:failover': DeploymentFailoverEvent;
}
