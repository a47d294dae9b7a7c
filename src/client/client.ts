import { type ResumeDeps, resumable } from './resume.js';
import { setMaxListeners } from 'node:events';
import type { RetryBudget } from '../retry/budget.js';
import type { BudgetManager } from '../budget/manager.js';
import type { BudgetSnapshot } from '../budget/snapshot.js';
import type { Clock } from '../clock/clock.js';
import { Callbacks, keepAbortListener, onAbort } from '../clock/signals.js';
import { DisposedError } from '../errors/errors.js';
import type { BreakerState, EventBus, Unsubscribe } from '../events/events.js';
import { ContentPolicy } from '../fallback/content.js';
import { HEDGE_DEFAULTS } from '../fallback/hedge-options.js';
import { HedgeBudget } from '../fallback/hedge.js';
import type { Health } from '../monitor/events.js';
import type { Ranking } from '../monitor/health.js';
import type { Monitor } from '../monitor/monitor.js';
import type { Limiter } from '../limits/limiter.js';
import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import type { ResolvedDeployment } from '../deployments/resolve.js';
import type { ResilientClientOptions } from './options.js';
import { resolveClientOptions } from './resolve.js';
import { type CallDeps, runCall } from './call.js';
import type { Listener, ResilienceEventName, ResilienceEvents } from './events-map.js';
import type { PipelineDeps } from './deps.js';
import type { ModelStates } from './model-state.js';
import { wireClient } from './wiring.js';
import { type ClientSnapshot, buildSnapshot } from './snapshot.js';
import { checkRunOptions } from './support.js';
import type { AttemptFn, RunOptions } from './types.js';

export { MAX_EXTRA_MODELS } from './model-state.js';
export type { ClientSnapshot } from './snapshot.js';

/**
 * Wraps the model calls you already make with a circuit breaker per model,
 * 429-aware retry, a fallback chain, token budgets, a performance monitor and
 * typed events.
 *
 * @example
 * const client = new ResilientClient({ models: ['claude-sonnet-4-6', 'gpt-4.1'] });
 * const msg = await client.run(({ model, signal }) =>
 *   anthropic.messages.create({ model, max_tokens: 1024, messages }, { signal }));
 */
export class ResilientClient {
  readonly models: readonly string[];
  readonly #clock: Clock;
  readonly #bus: EventBus<ResilienceEvents>;
  readonly #dispose = new AbortController();
  /** Rejects of pending calls and common-path attempts: `dispose()` calls each. A list, not a listener per call. */
  readonly #pending = new Callbacks<unknown>();
  /**
   * Whether a call can wait outside an attempt (limiter, budget store, shared
   * state). Without any of them dispose reaches a call through its attempt or
   * its backoff wait, and `run` adds nothing of its own.
   */
  readonly #waitsOutsideAttempts: boolean;
  readonly #monitor: Monitor | undefined;
  readonly #budget: BudgetManager | undefined;
  readonly #limiter: Limiter;
  readonly #deps: PipelineDeps;
  readonly #retryBudget: RetryBudget | undefined;
  readonly #providers: ReadonlyMap<string, string>;
  readonly #deployments: ReadonlyMap<string, readonly ResolvedDeployment[]>;
  /** Breakers, headers and kept models, per model and per deployment. */
  readonly #states: ModelStates;
  /** What a call through the chain reads of this client. */
  readonly #call: CallDeps;

  constructor(options: ResilientClientOptions) {
    const o = resolveClientOptions(options);
    // Every attempt with a timeout or a caller signal links to the dispose
    // signal; hundreds in flight at once are normal, not a leak.
    setMaxListeners(0, this.#dispose.signal);
    // Many waits link to it: one listener for the client's life, waits come and go in a list.
    keepAbortListener(this.#dispose.signal);
    this.models = o.models;
    this.#providers = o.providers;
    this.#deployments = o.deployments;
    const w = wireClient(o, this.#dispose.signal, this.#pending);
    ({ clock: this.#clock, bus: this.#bus, monitor: this.#monitor, budget: this.#budget, limiter: this.#limiter, retryBudget: this.#retryBudget } = w);
    ({ states: this.#states, deps: this.#deps, waitsOutsideAttempts: this.#waitsOutsideAttempts } = w);
    const states = this.#states;
    this.#call = {
      models: this.models,
      clock: w.clock,
      bus: w.bus,
      monitor: w.monitor,
      budget: w.budget,
      limiter: w.limiter,
      deps: w.deps,
      states,
      stop: this.#dispose.signal,
      timeoutMs: o.timeoutMs,
      providers: o.providers,
      deployments: o.deployments,
      content: new ContentPolicy(o.content),
      hedge: o.hedge,
      conditions: o.conditions,
      hedgeBudget: new HedgeBudget((o.hedge ?? HEDGE_DEFAULTS).maxShare),
      onHeaders: (key, headers, taskId) => states.observeHeaders(key, headers, taskId),
      patience: w.deps.patience,
    };
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<K extends ResilienceEventName>(event: K, listener: Listener<K>): Unsubscribe {
    return this.#bus.on(event, listener);
  }
  once<K extends ResilienceEventName>(event: K, listener: Listener<K>): Unsubscribe {
    return this.#bus.once(event, listener);
  }
  off<K extends ResilienceEventName>(event: K, listener: Listener<K>): void {
    this.#bus.off(event, listener);
  }
  /** Number of listeners, for one event or all. */
  listenerCount(event?: ResilienceEventName): number {
    return this.#bus.listenerCount(event);
  }

  /**
   * The breaker state of `model` (or of a deployment, by id) as of now on the
   * clock. For a model with deployments: the best of theirs (`closed` when any is).
   */
  breakerState(model: string): BreakerState {
    return this.#states.breakerState(model);
  }

  /** The latest rate-limit headers seen for `model` or a deployment id (from successes and errors), as plain data. */
  rateLimits(model: string): RateLimitInfo | undefined {
    return this.#states.rateLimits.get(model);
  }

  #usageRequested = false;
  /**
   * Called by the OpenAI wrapper when it added `stream_options.include_usage`
   * to a streaming request (without it, a stream reports no usage and the
   * budget can only settle the estimate). Emits `stream:usage-requested` once per client.
   */
  noteUsageRequested(model: string): void {
    if (this.#usageRequested) return;
    this.#usageRequested = true;
    if (this.#bus.wants('stream:usage-requested')) this.#bus.emit('stream:usage-requested', { timestamp: this.#clock.now(), model });
  }

  /** The provider a `{ model, provider }` chain entry names, or undefined for a plain model name. */
  providerOf(model: string): string | undefined {
    return this.#providers.get(model);
  }

  /** The token budget, when one is configured: `client.budget?.snapshot()` shows every scope. */
  get budget(): BudgetManager | undefined {
    return this.#budget;
  }

  /** Health of `model` or a deployment id from the monitor (`healthy` when the monitor is off or it is unused). */
  health(model: string): Health {
    return this.#monitor?.health(model) ?? 'healthy';
  }

  /**
   * The order in which `run` would try `models` now, and why. With the default
   * `monitor.routing: 'fixed'` this is the configured order.
   */
  rank(models: readonly string[] = this.models): Ranking {
    if (this.#monitor) return this.#monitor.rank(models);
    return { strategy: 'fixed', order: [...models], reasons: models.map((model) => ({ model, score: 0, why: 'fixed order' })) };
  }

  /** Plain, JSON-serializable state of breakers and the monitor. See also `client.budget?.snapshot()`. */
  snapshot(options: { process?: boolean } = {}): ClientSnapshot {
    const parts = { models: this.models, states: this.#states, deployments: this.#deployments, limiter: this.#limiter, monitor: this.#monitor, retryBudget: this.#retryBudget, adaptiveTimeout: this.#deps.adaptiveTimeout };
    return buildSnapshot(parts, this.#clock.now(), options);
  }

  /**
   * The retry budget: `client.retryBudget?.tryAcquire(model)` takes one re-send
   * from `model`'s budget (false, with a `retry:throttled` event, when it is empty).
   * Undefined when retry or its budget is off.
   */
  get retryBudget(): RetryBudget | undefined {
    return this.#retryBudget;
  }

  /** The budget's snapshot, or undefined without a budget. Async: a shared store may be remote. */
  budgetSnapshot(options?: { taskIds?: readonly string[] }): Promise<BudgetSnapshot> | undefined {
    return this.#budget?.snapshot(options);
  }

  /**
   * Runs `fn` against the chain: each model with retries, every attempt behind
   * the model's breaker, moving to the next model when one is exhausted, open,
   * out of budget, or asks for a wait above the cap. Resolves with exactly what
   * `fn` resolved (a stream comes back as the same kind of stream).
   *
   * Rejects with the provider's own error when it is not worth another model
   * (a 400), with `BudgetExceededError` when a budget with the `reject` action
   * is full, or with {@link AllModelsFailedError} carrying every model's cause.
   *
   * When the caller's `signal` aborts, at whatever stage (queued, reserving
   * budget, in an attempt, in a backoff wait), the call rejects at once with the
   * signal's reason, whatever it is, and the failure counts against no model.
   * On `dispose()` it rejects at once with {@link DisposedError}. Nothing of the
   * call starts afterwards, and what it held is given back.
   */
  run<T>(fn: AttemptFn<T>, given?: RunOptions<T>): Promise<T> {
    if (this.#dispose.signal.aborted) return Promise.reject(new DisposedError());
    let options: RunOptions | undefined;
    try {
      // Inside, the result type is erased: conditions see the value the function returned.
      options = given === undefined ? undefined : (checkRunOptions(given) as RunOptions);
    } catch (error) {
      return Promise.reject(error);
    }
    // Nothing but attempts and backoff waits, which dispose reaches itself, and no caller signal: nothing to race.
    if (!this.#waitsOutsideAttempts && !options?.signal) return this.#tracked(fn, options);
    return this.#raced(fn, options, options?.signal);
  }

  // Apart from `run`: its closures would give `run` a context to allocate on every call, raced or not.
  #raced<T>(fn: AttemptFn<T>, options: RunOptions | undefined, signal: AbortSignal | undefined): Promise<T> {
    // Settles the call the moment it is stopped from outside (the caller's signal here,
    // dispose through `#pending`), even while a store, a limiter or a function that
    // ignores its signal holds it; the pipeline then stops at its next step and gives back what it holds.
    // A call that states no deadline teaches the client its callers' patience by when they abort it (decision 0049).
    const patience = signal && options?.deadlineMs === undefined ? this.#call.patience : undefined;
    return new Promise<T>((resolve, reject) => {
      const start = patience ? this.#clock.now() : 0;
      const off = signal ? onAbort(signal, () => {
        if (patience) {
          const now = this.#clock.now();
          patience.aborted(now - start, now);
        }
        reject(signal.reason);
      }) : undefined;
      if (signal?.aborted) return;
      const entry = this.#waitsOutsideAttempts ? this.#pending.add(reject) : undefined;
      const done = () => {
        if (entry) this.#pending.remove(entry);
        off?.();
        if (patience?.known && !signal!.aborted) patience.settled(this.#clock.now() - start);
      };
      this.#tracked(fn, options).then(
        (value) => {
          done();
          resolve(value);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }

  #tracked<T>(fn: AttemptFn<T>, options: RunOptions | undefined): Promise<T> {
    // No model outside `models` and nothing to resume: no wrapper (and promise) of its own.
    if (options?.models === undefined && options?.stream?.resume === undefined && this.#deps.stream?.resume === undefined) return runCall(this.#call, fn, options);
    return this.#trackedExtra(fn, options);
  }
  async #trackedExtra<T>(fn: AttemptFn<T>, options: RunOptions | undefined): Promise<T> {
    const extra = this.#states.extraOf(options?.models);
    for (const m of extra) this.#states.enter(m);
    try {
      const value = await runCall(this.#call, fn, options);
      return options?.stream?.resume !== undefined || this.#deps.stream?.resume !== undefined ? resumable(value, fn, options, this.#resumeDeps) : value;
    } finally {
      for (const m of extra) this.#states.leave(m);
    }
  }

  get #resumeDeps(): ResumeDeps { return { clock: this.#clock, bus: this.#bus, stream: this.#deps.stream, models: this.models, run: (fn, options) => this.run(fn, options) }; }

  /** Models outside `models` whose state the client keeps (at most {@link MAX_EXTRA_MODELS} when idle). */
  get extraModels(): number {
    return this.#states.extraModels;
  }

  /**
   * Stops everything: pending backoff sleeps reject with {@link DisposedError},
   * the signal handed to in-flight attempts aborts, breakers are shut down,
   * the monitor's timers cleared and listeners removed. New calls are refused.
   * Safe to call twice.
   */
  dispose(): void {
    if (this.#dispose.signal.aborted) return;
    this.#dispose.abort(new DisposedError());
    // After the abort (committed streams end and settle first): every pending call rejects now.
    this.#pending.drain(this.#dispose.signal.reason);
    this.#deps.deadlines.dispose();
    this.#states.dispose();
    this.#monitor?.dispose();
    this.#limiter.dispose();
    this.#bus.clear();
  }
}
