import type { BudgetEvents } from '../budget/events.js';
import type { CoreEvents, EventBase } from '../events/events.js';
import type { LimiterEvents } from '../limits/limiter.js';
import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import type { MonitorEvents } from '../monitor/events.js';
import type { StreamEvents } from '../stream/events.js';
import type { RedisEvents } from '../events/store-events.js';
import type { RetryEvents } from '../retry/events.js';
import type { HedgeEvents } from '../fallback/hedge-events.js';
import type { DeploymentEvents } from '../deployments/events.js';

/**
 * Every event the client emits, by name: the core pipeline's plus each
 * capability's. Names are public API; see docs/events.md.
 */
export interface ResilienceEvents extends CoreEvents, StreamEvents, BudgetEvents, MonitorEvents, LimiterEvents, RateLimitEvents, RedisEvents, HedgeEvents, RetryEvents, DeploymentEvents {}

/** The provider's latest rate-limit headers for a model, as plain data. */
export interface RateLimitEvent extends EventBase {
  readonly model: string;
  /** The deployment's id, when the headers came from one deployment of `model`. */
  readonly deployment?: string;
  readonly info: RateLimitInfo;
}

export interface RateLimitEvents {
  ratelimit: RateLimitEvent;
}

export type ResilienceEventName = keyof ResilienceEvents;
export type Listener<K extends ResilienceEventName> = (payload: ResilienceEvents[K]) => void;
