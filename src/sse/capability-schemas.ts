import { z } from 'zod';

/**
 * Schemas of the stream, budget and monitor events. Split from the core
 * schemas to keep each file to one concern; one type-level test checks them all.
 */

const failureKind = z.enum(['rate_limit', 'quota', 'overloaded', 'server', 'network', 'timeout', 'deadline', 'auth', 'not_found', 'client', 'context_length', 'content_filter', 'abort', 'circuit_open', 'budget', 'queue_full', 'rejected', 'unknown']);
const breakerState = z.enum(['closed', 'open', 'half-open']);
const base = { timestamp: z.number(), taskId: z.string().optional() };
const streamBase = { ...base, model: z.string(), attempt: z.number().int().min(1) };

export const streamCommittedEventSchema = z.object({ ...streamBase, ttftMs: z.number().optional(), bufferedChunks: z.number() }).readonly();
export const streamFailedEventSchema = z
  .object({ ...streamBase, kind: failureKind, chunks: z.number(), ttftMs: z.number().optional(), durationMs: z.number() })
  .readonly();
const streamUsage = z
  .object({ inputTokens: z.number(), outputTokens: z.number(), cachedInputTokens: z.number(), cacheWriteTokens: z.number(), reasoningTokens: z.number() })
  .readonly();
export const streamEndEventSchema = z
  .object({
    ...streamBase,
    outcome: z.enum(['complete', 'failed', 'abandoned', 'aborted', 'idle']),
    chunks: z.number(),
    ttftMs: z.number().optional(),
    durationMs: z.number(),
    usage: streamUsage.optional(),
  })
  .readonly();
export const streamUsageRequestedEventSchema = z.object({ ...base, model: z.string() }).readonly();
export const streamResumedEventSchema = z
  .object({
    ...base,
    model: z.string(),
    resumedOn: z.string().optional(),
    afterChunks: z.number(),
    afterChars: z.number(),
    resume: z.number().int().min(1),
    reason: failureKind,
    usage: streamUsage.optional(),
    usageEstimated: z.boolean(),
  })
  .readonly();
const resumeRefusal = z.enum(['tool-call', 'reasoning', 'structured-output', 'refusal', 'multiple-choices', 'logprobs', 'unsupported-format', 'unsupported-request', 'finished', 'idle', 'request-unused', 'max-resumes', 'continuation-failed']);
export const streamResumeRefusedEventSchema = z.object({ ...base, model: z.string(), reason: resumeRefusal, afterChunks: z.number() }).readonly();

const scopeFields = {
  ...base,
  scope: z.enum(['task', 'day', 'model', 'window']),
  key: z.string(),
  unit: z.enum(['tokens', 'usd']),
  limit: z.number(),
  used: z.number(),
  reserved: z.number(),
};
export const budgetWarningEventSchema = z.object({ ...scopeFields, threshold: z.number() }).readonly();
export const budgetExceededEventSchema = z
  .object({ ...scopeFields, model: z.string(), action: z.enum(['reject', 'fallback', 'warn-only']), requested: z.number() })
  .readonly();
export const budgetUsageEventSchema = z
  .object({
    ...base,
    model: z.string(),
    inputTokens: z.number(),
    outputTokens: z.number(),
    cachedInputTokens: z.number(),
    cacheWriteTokens: z.number(),
    reasoningTokens: z.number(),
    costUsd: z.number().nullable(),
    estimated: z.boolean(),
  })
  .readonly();
export const budgetUsageWarningEventSchema = z
  .object({ ...base, model: z.string(), reason: z.enum(['missing', 'invalid', 'unpriced', 'store']), detail: z.string().optional() })
  .readonly();

const health = z.enum(['healthy', 'degraded', 'unhealthy']);
export const healthChangeEventSchema = z
  .object({
    ...base,
    model: z.string(),
    from: health,
    to: health,
    reasons: z.array(z.string()).readonly(),
    errorRate: z.number().optional(),
    p95LatencyMs: z.number().optional(),
    breaker: breakerState,
  })
  .readonly();
export const anomalyEventSchema = z
  .object({
    ...base,
    model: z.string(),
    metric: z.enum(['latency', 'error_rate']),
    value: z.number(),
    baseline: z.number(),
    zScore: z.number().optional(),
    method: z.enum(['ewma', 'threshold']),
    threshold: z.number(),
    intervalMs: z.number(),
  })
  .readonly();
export const alertEventSchema = z
  .object({
    ...base,
    level: z.enum(['info', 'warning', 'error', 'critical']),
    rule: z.enum(['budget', 'rate_limits', 'breaker_open', 'long_running', 'anomaly', 'unhealthy']),
    key: z.string(),
    message: z.string(),
    model: z.string().optional(),
    scope: z.string().optional(),
    value: z.number().optional(),
    threshold: z.number().optional(),
  })
  .readonly();

const rateLimitWindow = z.object({ limit: z.number().optional(), remaining: z.number().optional(), resetAt: z.number().optional() }).readonly();
export const rateLimitEventSchema = z
  .object({
    ...base,
    model: z.string(),
    deployment: z.string().optional(),
    info: z
      .object({
        requests: rateLimitWindow.optional(),
        tokens: rateLimitWindow.optional(),
        inputTokens: rateLimitWindow.optional(),
        outputTokens: rateLimitWindow.optional(),
        observedAt: z.number(),
      })
      .readonly(),
  })
  .readonly();
export const limitWaitEventSchema = z
  .object({ ...base, model: z.string(), waitMs: z.number(), reason: z.enum(['requests', 'tokens', 'inputTokens', 'outputTokens', 'concurrency']) })
  .readonly();

const storeName = z.enum(['budget', 'breaker', 'limits']);
export const storeDegradedEventSchema = z
  .object({ ...base, store: storeName, reason: z.enum(['timeout', 'disconnected', 'error']), message: z.string() })
  .readonly();
export const storeRecoveredEventSchema = z.object({ ...base, store: storeName, degradedMs: z.number(), reconciledKeys: z.number() }).readonly();

export const retryThrottledEventSchema = z
  .object({
    ...base,
    model: z.string(),
    attempt: z.number().int().min(1).optional(),
    kind: z.enum(['retry', 'spill']),
    reason: z.string().optional(),
    retries: z.number(),
    successes: z.number(),
    allowed: z.number(),
  })
  .readonly();

export const hedgeStartedEventSchema = z.object({ ...base, model: z.string(), hedge: z.string(), delayMs: z.number() }).readonly();
export const hedgeWonEventSchema = z.object({ ...base, model: z.string(), loser: z.string().optional() }).readonly();
export const hedgeCancelledEventSchema = z.object({ ...base, model: z.string() }).readonly();

export const deploymentFailoverEventSchema = z
  .object({ ...base, model: z.string(), from: z.string(), to: z.string(), reason: z.union([failureKind, z.literal('retry_after_too_long')]) })
  .readonly();

export const capabilityEventSchemas = {
  'deployment:failover': deploymentFailoverEventSchema,
  'retry:throttled': retryThrottledEventSchema,
  'hedge:started': hedgeStartedEventSchema,
  'hedge:won': hedgeWonEventSchema,
  'hedge:cancelled': hedgeCancelledEventSchema,
  'store:degraded': storeDegradedEventSchema,
  'store:recovered': storeRecoveredEventSchema,
  ratelimit: rateLimitEventSchema,
  'limit:wait': limitWaitEventSchema,
  'stream:committed': streamCommittedEventSchema,
  'stream:failed': streamFailedEventSchema,
  'stream:end': streamEndEventSchema,
  'stream:usage-requested': streamUsageRequestedEventSchema,
  'stream:resumed': streamResumedEventSchema,
  'stream:resume-refused': streamResumeRefusedEventSchema,
  'budget:warning': budgetWarningEventSchema,
  'budget:exceeded': budgetExceededEventSchema,
  'budget:usage': budgetUsageEventSchema,
  'budget:usage-warning': budgetUsageWarningEventSchema,
  'health:change': healthChangeEventSchema,
  anomaly: anomalyEventSchema,
  alert: alertEventSchema,
} as const;
