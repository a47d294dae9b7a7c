// `llm-resilience/redis`: budgets, rate limits and breaker state shared across
// processes through one Redis. ioredis is an optional peer dependency: nothing
// here imports it; every piece takes your client (typed structurally).
export { RedisBudgetStore } from './budget-store.js';
export type { RedisStoreDeps } from './budget-store.js';
export { RedisBreakerState } from './breaker-state.js';
export type { SharedBreakerView } from './breaker-state.js';
export { createRedisLimiter } from './limiter.js';
export { redisLimiterOptions } from './reservoirs.js';
export { RedisBucketStore } from './bucket-store.js';
export type { BucketDim, BucketReading, DimRequest, DimState, SharedAdmission, SharedAnswer, SharedBucketStore } from './bucket-store.js';
export { SharedBuckets } from './shared-buckets.js';
export type { SharedBucketsOptions } from './shared-buckets.js';
export type { RedisLimiterClient, RedisLimiterOptions } from './reservoirs.js';
export type { RedisBudgetStoreOptions, RedisBreakerStateOptions, RedisCommonOptions, RedisLimiterConfig } from './options.js';
export type { RedisEmitter, RedisEvents, RedisLike, StoreDegradedEvent, StoreName, StoreRecoveredEvent } from './types.js';
