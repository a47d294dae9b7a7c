import { z } from 'zod';
import { capabilityEventSchemas } from './capability-schemas.js';

/**
 * Zod schemas of the event payloads, mirroring the event types so a
 * consumer of the SSE feed can validate every frame it receives. A type-level
 * test keeps each schema's output equal to `ResilienceEvents[K]`. No schema has a field for prompt, completion or
 * credential text: payloads carry model names, counts, kinds and times only.
 */

export const failureKindSchema = z.enum([
  'rate_limit',
  'quota',
  'overloaded',
  'server',
  'network',
  'timeout',
  'deadline',
  'auth',
  'not_found',
  'client',
  'context_length',
  'content_filter',
  'abort',
  'circuit_open',
  'budget',
  'queue_full',
  'rejected',
  'unknown',
]);

export const breakerStateSchema = z.enum(['closed', 'open', 'half-open']);

const base = {
  timestamp: z.number(),
  taskId: z.string().optional(),
};
const attempt = { ...base, model: z.string(), deployment: z.string().optional(), attempt: z.number().int().min(1) };

export const attemptEventSchema = z.object(attempt).readonly();
export const successEventSchema = z.object({ ...attempt, latencyMs: z.number() }).readonly();
export const failureEventSchema = z
  .object({ ...attempt, latencyMs: z.number(), kind: z.union([failureKindSchema, z.literal('hedge_lost')]), status: z.number().int().optional(), retryable: z.boolean(), retryAfterMs: z.number().optional() })
  .readonly();
export const retryEventSchema = z
  .object({ ...attempt, delayMs: z.number(), reason: failureKindSchema, retryAfterMs: z.number().optional() })
  .readonly();
export const breakerEventSchema = z
  .object({
    ...base,
    model: z.string(),
    deployment: z.string().optional(),
    state: breakerStateSchema,
    retryAfterMs: z.number().optional(),
    reason: z.enum(['failures', 'slow_calls', 'quota']).optional(),
    trips: z.number().int().min(1).optional(),
  })
  .readonly();
export const fallbackEventSchema = z
  .object({ ...base, from: z.string(), to: z.string(), reason: z.union([failureKindSchema, z.literal('retry_after_too_long')]), skipped: z.array(z.string()).readonly().optional() })
  .readonly();
export const exhaustedEventSchema = z
  .object({ ...base, failures: z.array(z.object({ model: z.string(), reason: z.string() }).readonly()).readonly() })
  .readonly();

/** One schema per event name, as the SSE feed's `event:` field names them. */
export const eventSchemas = {
  attempt: attemptEventSchema,
  success: successEventSchema,
  failure: failureEventSchema,
  retry: retryEventSchema,
  'breaker:open': breakerEventSchema,
  'breaker:half-open': breakerEventSchema,
  'breaker:close': breakerEventSchema,
  fallback: fallbackEventSchema,
  exhausted: exhaustedEventSchema,
  ...capabilityEventSchemas,
} as const;

export type EventSchemas = typeof eventSchemas;
