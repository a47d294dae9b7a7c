import { type ResumeDeps, resumable } from './resume.js';
import { setMaxListeners } from 'node:events';
import { type BreakerInfo, ModelBreaker, type OpenReason } from '../breaker/breaker.js';
import { RetryBudget, type RetryBudgetState } from '../retry/budget.js';
import { derivedTimeoutMs } from '../retry/deadline.js';
import { BudgetManager } from '../budget/manager.js';
import type { BudgetSnapshot } from '../budget/snapshot.js';
import { type Classification, classifyError } from '../classify/classify.js';
import { type Clock, systemClock, systemRandom } from '../clock/clock.js';
import { Callbacks, keepAbortListener, onAbort } from '../clock/signals.js';
import { AllModelsFailedError, CircuitOpenError, ContextWindowError, DisposedError, type ModelFailure, isCircuitOpenError } from '../errors/errors.js';
import { type BreakerState, EventBus, type Unsubscribe } from '../events/events.js';
import { runChain } from '../fallback/chain.js';
import { servedBy } from '../fallback/providers.js';
import { ContentPolicy, type FitState } from '../fallback/content.js';
import { type Conditions, mergeConditions } from '../fallback/conditions.js';
import { HEDGE_DEFAULTS, type ResolvedHedge } from '../fallback/hedge-options.js';
import { HedgeBudget, hedgeDelay, runHedged } from '../fallback/hedge.js';
import type { Health } from '../monitor/events.js';
import type { Ranking } from '../monitor/health.js';
import { Monitor } from '../monitor/monitor.js';
import { type Limiter, type ModelLimitSnapshot, createLimiter } from '../limits/limiter.js';
import { type RateLimitInfo, parseRateLimitHeaders } from '../classify/ratelimit-headers.js';
import type { MonitorSnapshot } from '../monitor/snapshot.js';
import type { ResolvedBreaker } from '../breaker/options.js';
import type { ResilientClientOptions, SharedDeps } from './options.js';
import type { SharedBreaker } from '../breaker/shared.js';
import { resolveClientOptions } from './resolve.js';
import type { CallState } from './attempt.js';
import type { Listener, ResilienceEventName, ResilienceEvents } from './events-map.js';
import type { PipelineDeps } from './deps.js';
import { holdOpen, stoppedModels } from './account-stop.js';
import { tryModel } from './pipeline.js';
import { UsageWeights } from './weights.js';
import { retryThrottledOn } from './guards.js';
import { callEstimate, checkRunOptions, checkedUsage, reportListenerError, tee } from './support.js';
import type { AttemptFn, Outcome, RunOptions } from './types.js';

type FallbackReason = Parameters<Parameters<typeof runChain>[2]['onFallback']>[2];

const NONE: readonly string[] = Object.freeze([]);
/**
 * Models outside `models` (a wrapper passes the request's model) whose
 * breaker and monitor state is kept; beyond this the least recently used idle
 * one is forgotten. Model names can come from callers: without a bound, each
 * new name would keep about 11 KB forever.
 */
export const MAX_EXTRA_MODELS = 1_000;

/** Everything `client.snapshot()` returns: plain, JSON-serializable data. */
export interface ClientSnapshot {
  readonly timestamp: number;
  readonly models: readonly string[];
  readonly breakers: Readonly<Record<string, BreakerInfo>>;
  /** The attempt deadline derived for each model with enough samples (absent without `adaptiveTimeout` or the monitor). */
  readonly attemptDeadlines?: Readonly<Record<string, number>>;
  /** Each called model's retry budget (absent when retry or its budget is off). */
  readonly retryBudget?: Readonly<Record<string, RetryBudgetState>>;
  readonly monitor?: MonitorSnapshot;
  /** The latest rate-limit headers per model. */
  readonly rateLimits: Readonly<Record<string, RateLimitInfo>>;
  /** Admission per model (buckets, calls in flight and waiting, a 429 hold), for models with limits or headers. */
  readonly limits: Readonly<Record<string, ModelLimitSnapshot>>;
}

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
  readonly #breakerOptions: ResolvedBreaker | undefined;
  readonly #timeoutMs: number | undefined;
  readonly #bus: EventBus<ResilienceEvents>;
  readonly #breakers = new Map<string, ModelBreaker>();
  readonly #dispose = new AbortController();
  /** Rejects of pending calls and common-path attempts: `dispose()` calls each. A list, not a listener per call. */
  readonly #pending = new Callbacks<unknown>();
  /**
   * Whether a call can wait outside an attempt (limiter, budget store, shared
   * state). Without any of them dispose reaches a call through its attempt or
   * its backoff wait, and `run` adds nothing of its own.
   */
  #waitsOutsideAttempts = false;
  readonly #monitor: Monitor | undefined;
  readonly #budget: BudgetManager | undefined;
  readonly #limiter: Limiter;
  readonly #rateLimits = new Map<string, RateLimitInfo>();
  readonly #onHeaders: (model: string, headers: unknown, taskId: string | undefined) => void;
  readonly #deps: PipelineDeps;
  readonly #shared: SharedBreaker | undefined;
  readonly #retryBudget: RetryBudget | undefined;
  readonly #providers: ReadonlyMap<string, string>;
  readonly #content: ContentPolicy;
  readonly #hedge: ResolvedHedge | undefined;
  readonly #conditions: Conditions | undefined;
  readonly #hedgeBudget: HedgeBudget;
  readonly #configured: ReadonlySet<string>;
  /** Models outside `models` (from `run({ models })`, e.g. a wrapper's request), least recently used first, with their calls in flight. */
  readonly #extra = new Map<string, number>();

  constructor(options: ResilientClientOptions) {
    const o = resolveClientOptions(options);
    // Every attempt with a timeout or a caller signal links to the dispose
    // signal; hundreds in flight at once are normal, not a leak.
    setMaxListeners(0, this.#dispose.signal);
    // Many waits link to it: one listener for the client's life, waits come and go in a list.
    keepAbortListener(this.#dispose.signal);
    this.models = o.models;
    this.#configured = new Set(o.models);
    this.#providers = o.providers;
    this.#clock = o.clock ?? systemClock;
    this.#breakerOptions = o.breaker;
    this.#timeoutMs = o.timeoutMs;
    this.#bus = new EventBus<ResilienceEvents>(o.onListenerError ?? reportListenerError);
    this.#monitor = o.monitor === false ? undefined : new Monitor(o.monitor, { clock: this.#clock, events: this.#bus });
    const sharedDeps = { clock: this.#clock, emitter: this.#bus as unknown as SharedDeps['emitter'] };
    const budgetStore = o.shared?.budgetStore?.(sharedDeps);
    // The budget's events also feed the monitor (usage, and the budget alert rule).
    this.#budget = o.budget
      ? new BudgetManager(budgetStore ? { ...o.budget, store: budgetStore } : o.budget, { clock: this.#clock, emitter: tee(this.#bus, this.#monitor) })
      : undefined;
    this.#shared = o.shared?.breaker?.(sharedDeps);
    this.#content = new ContentPolicy(o.content);
    this.#hedge = o.hedge;
    this.#conditions = o.conditions;
    this.#hedgeBudget = new HedgeBudget((o.hedge ?? HEDGE_DEFAULTS).maxShare);
    this.#limiter = o.shared?.limiter?.(sharedDeps) ?? createLimiter(o.limits, { clock: this.#clock, emitter: this.#bus });
    this.#onHeaders = (model, headers, taskId) => this.#observeHeaders(model, headers, taskId);
    this.#retryBudget = o.retry?.budget
      ? new RetryBudget(o.retry.budget, this.#clock, (t, c) => {
          if (!this.#bus.wants('retry:throttled')) return;
          this.#bus.emit('retry:throttled', { timestamp: this.#clock.now(), ...(c?.taskId !== undefined ? { taskId: c.taskId } : {}), ...t, ...(c?.attempt !== undefined ? { attempt: c.attempt } : {}), kind: c?.kind ?? 'retry', ...(c?.reason !== undefined ? { reason: c.reason } : {}) });
        })
      : undefined;
    this.#waitsOutsideAttempts = this.#budget !== undefined || this.#shared !== undefined || this.#limiter.enabled;
    this.#deps = {
      clock: this.#clock,
      random: o.random ?? systemRandom,
      bus: this.#bus,
      retry: o.retry,
      retryBudget: this.#retryBudget,
      adaptiveTimeout: o.adaptiveTimeout,
      stream: o.stream,
      budget: this.#budget,
      monitor: this.#monitor,
      limiter: this.#limiter,
      // Priced like a call with no request: the default estimate until the model's real usage is known.
      weights: this.#limiter.enabled ? new UsageWeights(callEstimate(undefined, undefined)) : undefined,
      disposeSignal: this.#dispose.signal,
      onDispose: this.#pending,
      breakerFor: (model) => this.#breakerFor(model),
      onAccountStop: (model, error, cls, chain) => this.#accountStop(model, error, cls, chain),
      sharedCheck: this.#shared ? (model) => this.#sharedCheck(model) : undefined,
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

  /** The breaker state of `model` as of now on the clock. */
  breakerState(model: string): BreakerState {
    return this.#breakers.get(model)?.state(this.#clock.now()) ?? 'closed';
  }

  /** The latest rate-limit headers seen for `model` (from successes and errors), as plain data. */
  rateLimits(model: string): RateLimitInfo | undefined {
    return this.#rateLimits.get(model);
  }

  #observeHeaders(model: string, headers: unknown, taskId: string | undefined): void {
    const info = parseRateLimitHeaders(headers, this.#clock.now());
    if (!info) return;
    this.#rateLimits.set(model, info);
    this.#limiter.observe(model, info);
    if (this.#bus.wants('ratelimit')) this.#bus.emit('ratelimit', { timestamp: this.#clock.now(), ...(taskId !== undefined ? { taskId } : {}), model, info });
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

  /** Health of `model` from the monitor (`healthy` when the monitor is off or the model unused). */
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
    const now = this.#clock.now();
    const breakers: Record<string, BreakerInfo> = {};
    for (const [model, b] of this.#breakers) breakers[model] = b.info(now);
    return {
      timestamp: now,
      models: this.models,
      breakers,
      ...(this.#retryBudget ? { retryBudget: this.#retryBudget.snapshot(now) } : {}),
      ...(this.#deps.adaptiveTimeout && this.#monitor ? { attemptDeadlines: this.#attemptDeadlines() } : {}),
      rateLimits: Object.fromEntries(this.#rateLimits),
      limits: this.#limiter.snapshot(),
      ...(this.#monitor ? { monitor: this.#monitor.snapshot(options) } : {}),
    };
  }

  /**
   * The retry budget: `client.retryBudget?.tryAcquire(model)` takes one re-send
   * from `model`'s budget (false, with a `retry:throttled` event, when it is empty).
   * Undefined when retry or its budget is off.
   */
  get retryBudget(): RetryBudget | undefined {
    return this.#retryBudget;
  }

  #attemptDeadlines(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const model of this.models) {
      const ms = derivedTimeoutMs(this.#monitor!.latencyBaseline(model), this.#deps.adaptiveTimeout);
      if (ms !== undefined) out[model] = ms;
    }
    return out;
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
    const signal = options?.signal;
    // Nothing but attempts and backoff waits, which dispose reaches itself, and no caller signal: nothing to race.
    if (!this.#waitsOutsideAttempts && !signal) return this.#tracked(fn, options);
    // Settles the call the moment it is stopped from outside (the caller's signal here,
    // dispose through `#pending`), even while a store, a limiter or a function that
    // ignores its signal holds it; the pipeline then stops at its next step and gives back what it holds.
    return new Promise<T>((resolve, reject) => {
      const off = signal ? onAbort(signal, () => reject(signal.reason)) : undefined;
      if (signal?.aborted) return;
      const entry = this.#waitsOutsideAttempts ? this.#pending.add(reject) : undefined;
      const done = () => {
        if (entry) this.#pending.remove(entry);
        off?.();
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

  async #tracked<T>(fn: AttemptFn<T>, options: RunOptions | undefined): Promise<T> {
    const extra = options?.models ? options.models.filter((m) => !this.#configured.has(m)) : NONE;
    for (const m of extra) this.#enter(m);
    try {
      const value = await this.#run(fn, options);
      return options?.stream?.resume !== undefined || this.#deps.stream?.resume !== undefined ? resumable(value, fn, options, this.#resumeDeps) : value;
    } finally {
      for (const m of extra) this.#leave(m);
    }
  }

  get #resumeDeps(): ResumeDeps {
    return { clock: this.#clock, bus: this.#bus, stream: this.#deps.stream, models: this.models, run: (fn, options) => this.run(fn, options) };
  }

  async #run<T>(fn: AttemptFn<T>, options: RunOptions | undefined): Promise<T> {
    // Entries naming another provider than the caller's are left out (decision 0006).
    const served = servedBy(options?.models ?? this.models, options?.provider, this.#providers);
    const chain = served.models;
    const skipped = served.skipped.length > 0 ? { skipped: served.skipped } : {};
    const monitor = this.#monitor;
    const models = monitor && monitor.options.routing !== 'fixed' ? monitor.rank(chain).order : chain;
    const call: CallState = {
      taskId: options?.taskId,
      signal: options?.signal,
      timeoutMs: options?.timeoutMs ?? this.#timeoutMs,
      // Estimated once per call when something can be estimated: the budget, admission's weight and the
      // context-window fit all read this one (admission falls back to the default weight without it).
      estimate: this.#budget || options?.request !== undefined || options?.estimate !== undefined ? callEstimate(this.#budget, options) : undefined,
      run: options,
      usage: options?.usage ? checkedUsage(options.usage) : undefined,
      stream: options?.stream,
      onHeaders: this.#onHeaders,
      chain: models,
      deadlineAt: options?.deadlineMs !== undefined ? this.#clock.now() + options.deadlineMs : undefined,
      conditions: mergeConditions(this.#conditions, options?.conditions as Conditions | undefined),
    };
    const content = this.#content;
    const fit = this.#fitState(options, call);
    const refusal = content.onRefusal;
    let inRefusalChain = false;
    const hooks = {
      onFallback: (from: string, to: string, reason: FallbackReason) => {
        monitor?.recordFallback(from, to);
        if (this.#bus.wants('fallback')) this.#bus.emit('fallback', { timestamp: this.#clock.now(), taskId: call.taskId, from, to, reason, ...skipped });
      },
      beforeModel: () => {
        call.signal?.throwIfAborted();
        if (this.#dispose.signal.aborted) throw new DisposedError();
      },
      // A refusal moves on only when the refusal rule says so: to the next model, or (inside) the named chain.
      moveOn: (kind: FallbackReason) => (kind === 'content_filter' ? refusal === 'fallback' || inRefusalChain : undefined),
    };
    const tryOne = content.wrap((model, index, tried) => tryModel(this.#deps, fn, model, call, index, tried), fit);
    const hedge = models.length > 1 ? this.#hedgeFor(options) : undefined;
    let result = hedge
      ? await this.#hedged(models, hedge, options, call, (branch) => content.wrap((model, index, tried) => tryModel(this.#deps, fn, model, branch, index, tried), fit), hooks)
      : await runChain(models, tryOne, hooks);
    if (!result.ok && typeof refusal === 'object' && fit.filtered !== undefined) {
      // The main chain stopped on a refusal: the refusal chain takes over.
      inRefusalChain = true;
      hooks.onFallback(fit.filtered, refusal.models[0]!, 'content_filter');
      const second = await runChain(refusal.models, tryOne, hooks);
      if (second.ok || !fit.refused) result = second;
    }
    if (result.ok) return result.value;
    // No other model answered: the refused response is still an answer.
    if (fit.refused) return fit.refused.value as T;
    if (result.failures) {
      const error = this.#exhausted(result.failures, call);
      if (result.failures.every((f) => f.reason === 'context_length')) {
        const largest = content.largestWindow(models);
        const est = fit.inputTokens === undefined ? 'the request' : `about ${fit.inputTokens} input tokens`;
        throw new ContextWindowError(undefined, `${est}; largest known context window ${largest ?? 'unknown'}`, fit.inputTokens, largest, result.failures);
      }
      throw error;
    }
    throw result.error;
  }

  /** The hedge options of this call, or undefined when it is not hedged. */
  #hedgeFor(options: RunOptions | undefined): ResolvedHedge | undefined {
    const per = options?.hedge;
    if (per === false || (per === undefined && !this.#hedge)) return undefined;
    const base = this.#hedge ?? HEDGE_DEFAULTS;
    return typeof per === 'object' && per.delayMs !== undefined ? { ...base, delayMs: per.delayMs } : base;
  }

  #hedged<T>(
    models: readonly string[],
    hedge: ResolvedHedge,
    options: RunOptions | undefined,
    call: CallState,
    tryIn: (branch: CallState) => (model: string, index: number, chain: readonly string[]) => Promise<Outcome<T>>,
    hooks: Parameters<typeof runChain>[2],
  ) {
    this.#hedgeBudget.earn();
    const first = models[0]!;
    const streaming = (options?.request as { stream?: unknown } | undefined)?.stream === true;
    const delayMs = hedgeDelay(hedge, this.#monitor?.recentP95(first, streaming ? 'ttft' : 'latency'));
    const emit = <K extends 'hedge:started' | 'hedge:won' | 'hedge:cancelled'>(name: K, payload: Omit<ResilienceEvents[K], 'timestamp' | 'taskId'>) => {
      if (this.#bus.wants(name)) this.#bus.emit(name, { timestamp: this.#clock.now(), taskId: call.taskId, ...payload } as ResilienceEvents[K]);
    };
    return runHedged<T>(models, call.signal, delayMs, this.#hedgeBudget, {
      clock: this.#clock,
      stopSignal: this.#dispose.signal,
      runBranch: (chain, signal, onModel) => {
        const tryOne = tryIn({ ...call, signal });
        // Each branch sees its place in the whole chain: a model out of room spills to the next one with room, as without hedging.
        const offset = models.indexOf(chain[0]!);
        return runChain(chain, (model, index) => (onModel(model), tryOne(model, offset + index, models)), hooks);
      },
      // Never hedge into a model that would refuse at once, lacks room for this call now, or has callers queued already.
      canHedgeInto: (model) =>
        this.breakerState(model) === 'closed' && this.#limiter.waiting(model) === 0 && this.#limiter.available(model, () => call.estimate ?? callEstimate(undefined, call.run)),
      onFallback: (from, to, reason) => hooks.onFallback(from, to, reason as FallbackReason),
      onStarted: (model, hedgeModel, ms) => emit('hedge:started', { model, hedge: hedgeModel, delayMs: ms }),
      onWon: (model, loser) => emit('hedge:won', { model, ...(loser !== undefined ? { loser } : {}) }),
      onCancelled: (model) => emit('hedge:cancelled', { model }),
    });
  }

  /** What the content rules know of this call: its estimated size, when a request or estimate was given. */
  #fitState(options: RunOptions | undefined, call: CallState): FitState {
    const known = options?.request !== undefined || options?.estimate !== undefined;
    const est = known ? call.estimate : undefined;
    return { inputTokens: est?.inputTokens, outputTokens: est?.outputTokens, refusedWindow: undefined, refused: undefined, filtered: undefined };
  }

  /** A call to a model outside `models` starts: it becomes the most recently used. */
  #enter(model: string): void {
    const n = this.#extra.get(model) ?? 0;
    this.#extra.delete(model);
    this.#extra.set(model, n + 1);
    if (this.#extra.size <= MAX_EXTRA_MODELS) return;
    // Over the cap: forget the least recently used models with no call in flight.
    for (const [m, inFlight] of this.#extra) {
      if (this.#extra.size <= MAX_EXTRA_MODELS) break;
      if (inFlight === 0) this.#forget(m);
    }
  }

  #leave(model: string): void {
    const n = this.#extra.get(model);
    if (n !== undefined) this.#extra.set(model, n - 1);
  }

  /** Drops a model's breaker, monitor state, rate-limit headers, admission state and retry-budget ledger. */
  #forget(model: string): void {
    this.#extra.delete(model);
    this.#breakers.get(model)?.dispose();
    this.#breakers.delete(model);
    this.#monitor?.forget(model);
    this.#rateLimits.delete(model);
    this.#deps.weights?.forget(model);
    this.#limiter.forget?.(model);
    this.#retryBudget?.forget(model);
  }

  /** Models outside `models` whose state the client keeps (at most {@link MAX_EXTRA_MODELS} when idle). */
  get extraModels(): number {
    return this.#extra.size;
  }

  #exhausted(failures: readonly ModelFailure[], call: CallState): AllModelsFailedError {
    if (this.#bus.wants('exhausted')) {
      this.#bus.emit('exhausted', {
        timestamp: this.#clock.now(),
        taskId: call.taskId,
        failures: failures.map((f) => Object.freeze({ model: f.model, reason: f.reason })),
      });
    }
    let retryAfterMs: number | undefined;
    for (const f of failures) {
      const ms = isCircuitOpenError(f.error) ? f.error.retryAfterMs : classifyError(f.error, this.#clock.now()).retryAfterMs;
      if (ms !== undefined && (retryAfterMs === undefined || ms < retryAfterMs)) retryAfterMs = ms;
    }
    // A retry the retry budget refused is why a model was left early: say so.
    const marked = failures.map((f) => (retryThrottledOn(call, f.model) ? Object.freeze({ ...f, retryThrottled: true as const }) : f));
    return new AllModelsFailedError(marked, retryAfterMs);
  }

  /** A provider or model the account may not use: its breakers open for the quota period (no breakers: nothing to hold). */
  #accountStop(model: string, error: unknown, cls: Classification, chain: readonly string[] | undefined): void {
    if (!this.#breakerOptions) return;
    for (const m of stoppedModels(model, cls.scope, [...this.models, ...(chain ?? NONE)], (x) => this.#providers.get(x))) {
      holdOpen(this.#breakerFor(m)!, error, cls.retryAfterMs);
    }
  }

  #breakerFor(model: string): ModelBreaker | undefined {
    const opts = this.#breakerOptions;
    if (!opts) return undefined;
    let b = this.#breakers.get(model);
    if (!b) {
      // Created on first use: a configured model that is never called costs nothing.
      b = new ModelBreaker(model, opts, this.#clock, { onTransition: (m, state, retryAfterMs, open) => this.#onBreaker(m, state, retryAfterMs, open) });
      this.#breakers.set(model, b);
    }
    return b;
  }

  /**
   * Cross-process breaker state, before the local breaker: another process's
   * open fails fast here, and only the holder of the probe lease probes.
   */
  async #sharedCheck(model: string): Promise<void> {
    const shared = this.#shared!;
    const now = this.#clock.now();
    const local = this.breakerState(model);
    const leaseMs = (this.#timeoutMs ?? 30_000) + 1_000;
    if (local === 'closed') {
      const view = shared.readState(model);
      if (view.state === 'open') throw new CircuitOpenError(model, (view.openUntil ?? now) - now);
      if (view.state === 'half-open' && !(await shared.acquireProbe(model, leaseMs))) throw new CircuitOpenError(model, 0);
    } else if (local === 'half-open' && !(await shared.acquireProbe(model, leaseMs))) {
      throw new CircuitOpenError(model, 0); // another process holds the probe
    }
  }

  #onBreaker(model: string, state: BreakerState, retryAfterMs?: number, open?: { reason: OpenReason; trips: number }): void {
    this.#monitor?.recordBreaker(model, state);
    if (this.#shared && state === 'open') void this.#shared.publishOpen(model, this.#clock.now() + (retryAfterMs ?? 0)).catch(() => {});
    if (this.#shared && state === 'closed') void this.#shared.publishClosed(model).catch(() => {});
    const name = state === 'open' ? 'breaker:open' : state === 'half-open' ? 'breaker:half-open' : 'breaker:close';
    if (!this.#bus.wants(name)) return;
    this.#bus.emit(name, { timestamp: this.#clock.now(), model, state, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...open });
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
    for (const b of this.#breakers.values()) b.dispose();
    this.#breakers.clear();
    this.#monitor?.dispose();
    this.#limiter.dispose();
    this.#bus.clear();
  }
}
