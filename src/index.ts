export { ResilientClient } from './client/client.js';
export type { AttemptContext, AttemptFn, RunOptions } from './client/types.js';
export type { ResilientClientOptions, RetryOptions, BreakerOptions, Jitter } from './options/options.js';
export { systemClock, systemRandom } from './clock/clock.js';
export type { Clock, RandomSource, TimerHandle } from './clock/clock.js';
export { classifyError } from './classify/classify.js';
export type { Classification, FailureKind } from './classify/classify.js';
export { parseRetryAfter } from './classify/headers.js';
export {
  ResilienceError,
  ConfigError,
  CircuitOpenError,
  TimeoutError,
  AllModelsFailedError,
  QueueFullError,
  DisposedError,
  isResilienceError,
  isConfigError,
  isCircuitOpenError,
  isTimeoutError,
  isAllModelsFailedError,
  isQueueFullError,
  isDisposedError,
} from './errors/errors.js';
export type { ResilienceErrorCode, ModelFailure } from './errors/errors.js';
export type {
  ResilienceEvents,
  ResilienceEventName,
  EventBase,
  AttemptEvent,
  SuccessEvent,
  FailureEvent,
  RetryEvent,
  BreakerEvent,
  BreakerState,
  FallbackEvent,
  ExhaustedEvent,
  Listener,
  Unsubscribe,
} from './events/events.js';
