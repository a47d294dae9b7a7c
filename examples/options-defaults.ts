// Every ResilientClient option, spelled out at its default. Only `models` is
// required; leaving any other option out gives exactly what is written here.
// Run: npx tsx examples/options-defaults.ts
import { ResilientClient, systemClock, systemRandom, type ResilientClientOptions } from 'llm-resilience';

export const defaultOptions = {
  models: ['claude-sonnet-4-6', 'gpt-4.1'], // required: the fallback chain, first = primary
  retry: {
    maxRetries: 3, // retries per model after the first attempt
    initialDelayMs: 500,
    multiplier: 2,
    maxDelayMs: 30_000,
    jitter: 'equal',
    maxRetryAfterMs: 60_000, // a longer Retry-After is not waited for: fall back
    budget: { ratio: 0.1, minPerSecond: 0.5, windowMs: 10_000 }, // retries ≤ 10% of recent successes + 0.5/s
    preferFallback: true, // after a 5xx / overload / network error / timeout, try an available next model before sleeping
  },
  breaker: {
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    rollingWindowMs: 10_000,
    rollingBuckets: 10,
    resetTimeoutMs: 10_000, // the first open period; doubles per repeated trip
    maxResetTimeoutMs: 20_000,
    quotaResetTimeoutMs: 600_000, // an exhausted quota stays open this long (or its retry-after)
    slowCallRateThreshold: 50, // % of slow attempts in the window that opens the breaker
    slowCallDurationMs: undefined, // slow = over half the derived attempt deadline
  },
  timeoutMs: undefined, // no fixed per-attempt timeout: derived per model (adaptiveTimeout)
  adaptiveTimeout: { multiplier: 3, minTimeoutMs: 10_000, maxTimeoutMs: 600_000, minSamples: 100 }, // 3 × p99, within [10 s, 10 min]
  budget: undefined, // no budgets: nothing is reserved, counted or refused
  monitor: {
    windows: [60_000, 300_000, 3_600_000], // 1 min, 5 min, 1 h
    buckets: 6,
    relativeAccuracy: 0.01, // of the latency percentiles
    health: {
      windowMs: 300_000,
      minCalls: 10,
      degraded: { errorRate: 0.1, p95LatencyMs: 15_000 },
      unhealthy: { errorRate: 0.3, p95LatencyMs: 30_000 },
      latencyRefreshMs: 1_000,
    },
    routing: 'fixed', // try models in the configured order
    anomaly: { intervalMs: 30_000, alpha: 0.2, zThreshold: 3, warmupIntervals: 5, minCalls: 3, fixed: {} },
    alerts: {
      cooldownMs: 300_000,
      rules: {
        budget: { threshold: 0.9, level: 'warning' },
        rateLimits: { count: 5, windowMs: 60_000, level: 'warning' },
        breakerOpen: { level: 'error' },
        longRunning: { thresholdMs: 120_000, level: 'warning' },
        anomaly: { level: 'warning' },
        unhealthy: { level: 'error' },
      },
    },
    recentEvents: 50,
    process: { eventLoopDelay: false },
  }, // on; `monitor: false` turns it off
  stream: {}, // no first-chunk or stall timeout; a stream is handed over at its first content chunk
  // Admission follows each model's rate-limit headers; no configured caps. Written out, maxWaitMs
  // counts as set: leave it out to keep the calls held while the client learns its callers' patience.
  limits: { maxQueue: 128, respectHeaders: true, maxWaitMs: 60_000, minRemainingRequests: 0, learnPatience: true, processes: 1 },
  shared: undefined, // nothing shared across processes (see docs/distributed.md)
  hedge: undefined, // no hedged requests (see docs/hedging.md)
  conditions: undefined, // no conditions of your own (see docs/conditions.md)
  content: { fitOutput: false, onRefusal: 'return' }, // context windows from the catalog; refused responses returned as they are
  clock: systemClock,
  random: systemRandom,
  onListenerError: undefined, // a throwing listener is reported with process.emitWarning
} satisfies ResilientClientOptions;

if (import.meta.url === `file://${process.argv[1]}`) {
  const client = new ResilientClient(defaultOptions);
  console.log(`chain: ${client.models.join(' → ')}`);
  client.dispose();
}
