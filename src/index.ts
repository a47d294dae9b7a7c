export { ResilientClient } from './client/client.js';
export type { AttemptContext, AttemptFn, RunOptions } from './client/types.js';
export type { ResilientClientOptions, ModelEntry } from './client/options.js';
export type { DeploymentOptions, ModelOverrides } from './deployments/options.js';
export type { DeploymentEvents, DeploymentFailoverEvent } from './deployments/events.js';
export type { RetryOptions, Jitter } from './retry/options.js';
export type { BreakerOptions } from './breaker/options.js';
export { byProvider } from './client/by-provider.js';
export type { ProviderHandlers } from './client/by-provider.js';
export { withRunOptions } from './providers/run-options.js';
export type { CallRunOptions } from './providers/run-options.js';
export { systemClock, systemRandom } from './clock/clock.js';
export type { Clock, RandomSource, TimerHandle } from './clock/clock.js';
export { classifyError } from './classify/classify.js';
export type { Classification, FailureKind, StopScope } from './classify/classify.js';
export { parseRetryAfter } from './classify/headers.js';
export {
  ResilienceError,
  ConfigError,
  CircuitOpenError,
  TimeoutError,
  AllModelsFailedError,
  QueueFullError,
  NoCapacityError,
  DisposedError,
  ContextWindowError,
  RefusedError,
  isResilienceError,
  isConfigError,
  isCircuitOpenError,
  isTimeoutError,
  isAllModelsFailedError,
  isQueueFullError,
  isNoCapacityError,
  isDisposedError,
  isContextWindowError,
  isRefusedError,
  ResultRejectedError,
  isResultRejectedError,
} from './errors/errors.js';
export { isRefusal } from './fallback/content.js';
export type { ContentOptions } from './fallback/content-options.js';
export type { Conditions, ConditionContext, ResultVerdict, ErrorVerdict } from './fallback/conditions.js';
export type { ResilienceErrorCode, ModelFailure, NoCapacityReason } from './errors/errors.js';
export type { ResilienceEvents, ResilienceEventName, Listener } from './client/events-map.js';
export type {
  CoreEvents,
  EventBase,
  AttemptEvent,
  SuccessEvent,
  FailureEvent,
  RetryEvent,
  BreakerEvent,
  BreakerState,
  FallbackEvent,
  ExhaustedEvent,
  Unsubscribe,
} from './events/events.js';

// Streaming: streams are detected and primed by `run`; these are for inspection and wrappers.
export { isStreamResult, StreamInterruptedError, isStreamInterruptedError, ensureIncludeUsage } from './stream/index.js';
export type { StreamOptions, StreamSummary, StreamUsage, StreamOutcome } from './stream/index.js';
export type { StreamEvents, StreamCommittedEvent, StreamFailedEvent, StreamEndEvent, StreamUsageRequestedEvent } from './stream/events.js';

// Token budget and cost.
export { extractUsage } from './usage/extract.js';
export type { Usage } from './usage/extract.js';
export { estimateRequest, DEFAULT_OUTPUT_TOKENS } from './usage/estimate.js';
export type { RequestEstimate, EstimateOptions } from './usage/estimate.js';
export { BudgetManager } from './budget/manager.js';
export type { ReserveRequest, ReserveResult, Reservation } from './budget/manager.js';
// For a BudgetManager used on its own (without a ResilientClient): reserve, call, settle or release.
export { runBudgeted } from './budget/execute.js';
export type { BudgetedOutcome, BudgetDenied } from './budget/execute.js';
export { BudgetExceededError, isBudgetExceededError, BudgetStoreError, isBudgetStoreError } from './budget/errors.js';
export type { BudgetDenialDetails, BudgetStoreOperation } from './budget/errors.js';
export { MemoryBudgetStore } from './budget/store.js';
export type { BudgetStore, Amount, Totals, StoreLimit, StoreReserveResult } from './budget/store.js';
export { FileBudgetStore } from './budget/file-store.js';
export type { FileBudgetStoreOptions } from './budget/file-store.js';
export { DEFAULT_PRICES, PRICES_AS_OF, costOf, priceFor } from './budget/pricing.js';
export type { ModelPrice, PriceTable } from './budget/pricing.js';
export { CATALOG, modelFacts } from './catalog/catalog.js';
export type { ModelFacts, PriceTier } from './catalog/catalog.js';
export type { BudgetOptions, BudgetLimit, WindowLimit } from './budget/options.js';
export type { BudgetSnapshot, ScopeSnapshot, PricesInfo } from './budget/snapshot.js';
export type {
  BudgetEvents,
  BudgetWarningEvent,
  BudgetExceededEvent,
  BudgetUsageEvent,
  BudgetUsageWarningEvent,
  BudgetScope,
  BudgetAction,
  BudgetUnit,
} from './budget/events.js';

// Performance monitor.
export { renderReport, recommendations, scheduleDailyReport, windowLabel } from './monitor/index.js';
export type {
  MonitorOptions,
  HealthOptions,
  HealthThresholds,
  AnomalyOptions,
  AlertRules,
  AlertLevel,
  RoutingStrategy,
  MonitorEvents,
  HealthChangeEvent,
  AnomalyEvent,
  AlertEvent,
  AlertRule,
  Health,
  Ranking,
  RankReason,
  ReportOptions,
  SignalStatus,
  DailyReportOptions,
  DailyReportHandle,
  MonitorSnapshot,
  ModelSnapshot,
  WindowSnapshot,
  LatencyStats,
  NotableEvent,
  ProcessSnapshot,
} from './monitor/index.js';
// The event log for `llm-resilience report`; loads `node:fs` on first use only.
export { createJsonlSink } from './monitor/sink.js';
export type { JsonlSink, JsonlSinkOptions } from './monitor/sink.js';
export type { ClientSnapshot } from './client/client.js';
export type { DeploymentInfo } from './client/snapshot.js';

// Provider rate-limit headers and client-side limits.
export { parseRateLimitHeaders } from './classify/ratelimit-headers.js';
export type { RateLimitInfo, RateLimitWindow } from './classify/ratelimit-headers.js';
export { createLimiter } from './limits/limiter.js';
export type { Limiter, Release, LimiterEvents, LimitWaitEvent, LimitWaitReason, AdmitOptions, CallWeight, ModelLimitSnapshot, BucketSnapshot } from './limits/limiter.js';
export type { LimitsOptions, ModelLimits } from './limits/options.js';
export type { RateLimitEvent, RateLimitEvents } from './client/events-map.js';
