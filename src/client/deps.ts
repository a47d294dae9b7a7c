import type { SharedProbe } from './model-state.js';
import type { ModelBreaker } from '../breaker/breaker.js';
import type { BudgetManager } from '../budget/manager.js';
import type { Classification } from '../classify/classify.js';
import type { Clock, RandomSource } from '../clock/clock.js';
import type { Callbacks } from '../clock/signals.js';
import type { Deadlines } from '../clock/deadlines.js';
import type { BreakerState, EventBus, Topic } from '../events/events.js';
import type { Limiter } from '../limits/limiter.js';
import type { Monitor } from '../monitor/monitor.js';
import type { RetryBudget } from '../retry/budget.js';
import type { ResolvedAdaptiveTimeout, ResolvedRetry } from '../retry/options.js';
import type { StreamOptions } from '../stream/options.js';
import type { ResilienceEvents } from './events-map.js';
import type { Patience } from './patience.js';
import type { UsageWeights } from './weights.js';

/** Everything a model try needs from the client, built once at construction. */
export interface PipelineDeps {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly bus: EventBus<ResilienceEvents>;
  /** The bus's names every success emits, held so that asking for them looks nothing up by name. */
  readonly topics: { readonly attempt: Topic<'attempt'>; readonly success: Topic<'success'> };
  readonly retry: ResolvedRetry | undefined;
  /** Retry of a model or deployment id with its own (undefined: every key uses `retry`). */
  readonly retryFor: ((key: string) => ResolvedRetry | undefined) | undefined;
  /** Attempt timeout of a model or deployment id with its own, else undefined. */
  readonly timeoutFor: ((key: string) => number | undefined) | undefined;
  /** Per-model retry budget; undefined when retry or its budget is off. */
  readonly retryBudget: RetryBudget | undefined;
  /** Attempt deadlines derived from the monitor; undefined when off. */
  readonly adaptiveTimeout: ResolvedAdaptiveTimeout | undefined;
  readonly stream: StreamOptions | undefined;
  readonly budget: BudgetManager | undefined;
  readonly monitor: Monitor | undefined;
  /** Admission: the provider's buckets from its headers, plus configured limits (docs/rate-limits.md). */
  readonly limiter: Limiter;
  /** The weight of calls without a request, learned from each model's recent usage; undefined when admission is off. */
  readonly weights: UsageWeights | undefined;
  /** The callers' patience learned from their aborts; undefined with `limits.learnPatience: false`. */
  readonly patience: Patience | undefined;
  readonly disposeSignal: AbortSignal;
  /** Rejects of pending common-path attempts: `dispose()` calls each (not a listener per attempt). */
  readonly onDispose: Callbacks<unknown>;
  /** Attempt deadlines (timeouts, first-chunk limits): one clock timer for all of them, cleared on dispose. */
  readonly deadlines: Deadlines;
  breakerFor(model: string): ModelBreaker | undefined;
  /** A model's (or deployment's) breaker state now, without creating a breaker; the best of its deployments' for a model with some. */
  breakerState(model: string): BreakerState;
  /**
   * An account stop (the classification has a `scope`) on `model`: opens the
   * breakers it reaches, so this call and the next go to another provider at once.
   */
  onAccountStop(model: string, error: unknown, cls: Classification, chain: readonly string[] | undefined): void;
  /** Cross-process breaker check; undefined unless `shared.breaker` is configured. */
  readonly sharedCheck: ((model: string) => Promise<SharedProbe | undefined>) | undefined;
  /** The call `sharedCheck` granted the shared probe to has ended: a success, or no verdict. */
  readonly probeEnded: (model: string, probe: SharedProbe, ok: boolean) => void;
}
