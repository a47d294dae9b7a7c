import { QuantileSketch } from './sketch.js';
import type { Clock } from '../clock/clock.js';
import type { BreakerState } from '../events/events.js';
import { RateLimitTrail } from './alerts.js';
import { Notices } from './notices.js';
import { AnomalyDetector } from './anomaly.js';
import type { AttemptOutcome, Health, MonitorEmitter } from './events.js';
import { fmtMs, healthReasons, rankModels, type Ranking } from './health.js';
import { HealthJudge } from './judge.js';
import { BudgetWatch } from './budget-use.js';
import { InFlight, type CallToken } from './inflight.js';
import { type MonitorOptions, type ResolvedMonitorOptions, type RoutingStrategy, resolveMonitorOptions } from './options.js';
import { ProcessSampler } from './process.js';
import { buildSnapshot } from './build-snapshot.js';
import { BaselineCache, type LatencyBaseline } from './baseline.js';
import { ModelState } from './model-state.js';
import type { MonitorSnapshot, NotableEvent } from './snapshot.js';
import { windowLabel } from './snapshot.js';
import { Ring } from './window.js';

export interface MonitorDeps {
  readonly clock: Clock;
  readonly events?: MonitorEmitter;
  /**
   * Extra window whose buckets start at `origin` (used by the log replay so a
   * period is counted exactly). Not part of the public options.
   * @internal
   */
  readonly period?: { readonly ms: number; readonly origin: number };
  /**
   * Successes batched per model before they are written to the windows (1: each at once).
   * Not part of the public options; tests compare the two. @internal
   */
  readonly batch?: number;
}

const NO_EMITTER: MonitorEmitter = { wants: () => false, emit: () => {} };

/**
 * Watches every model the client calls: rolling-window counters and quantile sketches (DDSketch's algorithm)
 * latency percentiles, health, anomalies and alerts. The client calls the
 * `record*` methods on its hot path: a success is counted and binned once into
 * its model's pending batch, written to every window before anything reads or
 * rotates them (so every figure is what recording it at once would give); the
 * monitor holds no timer per model.
 */
export class Monitor {
  readonly options: ResolvedMonitorOptions;
  readonly #clock: Clock;
  readonly #events: MonitorEmitter;
  readonly #models = new Map<string, ModelState>();
  /** The model recorded last and its state: a call records four or five times in a row for one model, so one map lookup serves them. */
  #lastModel: string | undefined;
  #lastState: ModelState | undefined;
  readonly #budgets: BudgetWatch;
  readonly #judge: HealthJudge;
  readonly #notices: Notices;
  readonly #inFlight: InFlight;
  readonly #process: ProcessSampler;
  readonly #period: MonitorDeps['period'];
  readonly #batch: number | undefined;
  readonly #healthLabel: string;
  /** Index of the longest window in each model's rings: the latency baseline reads it. */
  readonly #longest: number;

  constructor(options: MonitorOptions | undefined, deps: MonitorDeps) {
    this.options = resolveMonitorOptions(options);
    this.#clock = deps.clock;
    this.#events = deps.events ?? NO_EMITTER;
    this.#notices = new Notices(this.#clock, this.#events, this.options);
    this.#period = deps.period;
    this.#batch = deps.batch;
    this.#healthLabel = windowLabel(this.options.health.windowMs);
    this.#judge = new HealthJudge(this.options, this.#notices, this.#events, this.#healthLabel);
    this.#budgets = new BudgetWatch(this.#clock, this.options, this.#notices);
    this.#longest = this.options.windows.indexOf(Math.max(...this.options.windows));
    const long = this.options.rules.longRunning;
    this.#inFlight = new InFlight(this.#clock, long?.thresholdMs, (model, age) =>
      this.#notices.alert(long!.cooldownMs, { level: long!.level, rule: 'long_running', key: `long_running:${model}`, model, value: age, threshold: long!.thresholdMs, message: `A call to ${model} has been running for ${fmtMs(age)} (threshold ${fmtMs(long!.thresholdMs)})` }),
    );
    this.#process = new ProcessSampler(this.options.eventLoopDelay);
  }

  #state(model: string, now: number): ModelState {
    if (model === this.#lastModel) return this.#lastState!;
    let s = this.#models.get(model);
    if (!s) {
      const o = this.options;
      const rings = o.windows.map((w) => new Ring(w, o.buckets));
      if (this.#period) rings.push(new Ring(this.#period.ms, 1, this.#period.origin));
      s = new ModelState(rings, rings[o.windows.indexOf(o.health.windowMs)]!, now, o.relativeAccuracy, this.#batch);
      this.#models.set(model, s);
    }
    this.#lastModel = model;
    this.#lastState = s;
    return s;
  }

  /** One attempt ended. `latencyMs` is wall time of the attempt; percentiles read successful attempts only. */
  recordAttempt(model: string, outcome: AttemptOutcome, latencyMs: number, at?: number): void {
    const now = at ?? this.#clock.now();
    const s = this.#state(model, now);
    const ms = latencyMs >= 0 && latencyMs < Infinity ? latencyMs : 0;
    s.lastAttemptAt = now;
    // A 429 is capacity, not health: health reads the attempts the model answered.
    if (s.recoveredAt !== undefined && outcome !== 'rate_limited') {
      s.sinceRecovery.calls++;
      if (outcome !== 'success') s.sinceRecovery.failures++;
    }
    if (outcome === 'success') s.pending.add(s.rings, s.healthRing, now, ms);
    else {
      // A failure moves the health window's failures: the pending successes are written first.
      s.flush();
      for (const ring of s.rings) {
        const b = ring.at(now);
        b.calls++;
        if (outcome === 'timeout') b.timeouts++;
        else if (outcome === 'rate_limited') b.rateLimited++;
        else b.errors++;
      }
    }
    const rl = this.options.rules.rateLimits;
    if (outcome === 'rate_limited' && rl) {
      s.rateLimits ??= new RateLimitTrail(rl.count);
      if (s.rateLimits.push(now, rl.windowMs)) {
        this.#notices.alert(rl.cooldownMs, { level: rl.level, rule: 'rate_limits', key: `rate_limits:${model}`, model, value: rl.count, threshold: rl.count, message: `${model} was rate limited ${rl.count} times within ${fmtMs(rl.windowMs)}` });
      }
    }
    const a = this.options.anomaly;
    if (a) {
      // Made at the model's first attempt: only attempts feed it.
      const findings = (s.anomaly ??= new AnomalyDetector()).observe(now, outcome === 'error' || outcome === 'timeout', ms, a);
      if (findings) for (const f of findings) this.#notices.anomaly(model, f, a.intervalMs, now);
    }
    this.#judge.refresh(s, model, now, false);
  }

  recordRetry(model: string): void {
    const now = this.#clock.now();
    for (const b of this.#state(model, now).bucketsAt(now)) b.more().retries++;
  }

  recordFallback(from: string, to: string): void {
    const now = this.#clock.now();
    for (const b of this.#state(from, now).bucketsAt(now)) b.more().fallbacksOut++;
    for (const b of this.#state(to, now).bucketsAt(now)) b.more().fallbacksIn++;
  }

  recordUsage(model: string, inputTokens: number, outputTokens: number, costUsd = 0, at?: number): void {
    const now = at ?? this.#clock.now();
    for (const b of this.#state(model, now).bucketsAt(now)) {
      b.inputTokens += inputTokens || 0;
      b.outputTokens += outputTokens || 0;
      b.costUsd += costUsd || 0;
    }
  }

  /** A streamed call finished: time to first token and total duration, in ms. */
  recordStream(model: string, ttftMs: number, durationMs: number): void {
    const now = this.#clock.now();
    const acc = this.options.relativeAccuracy;
    for (const bucket of this.#state(model, now).bucketsAt(now)) {
      const b = bucket.more();
      b.streams++;
      if (ttftMs >= 0) (b.ttft ??= new QuantileSketch(acc)).accept(ttftMs);
    }
    void durationMs; // the attempt's latency already carries the duration
  }

  recordBreaker(model: string, state: BreakerState): void {
    const now = this.#clock.now();
    const s = this.#state(model, now);
    if (s.breaker === state) return;
    if (s.breaker === 'open' && s.openSince !== undefined) {
      s.flush();
      for (const ring of s.rings) ring.addInterval('breakerOpenMs', s.openSince, now, now);
      s.openSince = undefined;
    }
    // A probe succeeded: the failures that opened the breaker are history. Until
    // they age out of the health window, health judges the attempts since then.
    if (state === 'closed' && s.breaker === 'half-open') {
      s.recoveredAt = now;
      s.sinceRecovery = { calls: 0, failures: 0 };
    } else if (state === 'open') s.recoveredAt = undefined;
    s.breaker = state;
    s.breakerSince = now;
    if (state === 'open') s.openSince = now;
    this.#notices.note({ timestamp: now, kind: 'breaker', level: state === 'open' ? 'error' : 'info', model, message: `${model} breaker ${state}` });
    const rule = this.options.rules.breakerOpen;
    if (state === 'open' && rule) {
      this.#notices.alert(rule.cooldownMs, { level: rule.level, rule: 'breaker_open', key: `breaker_open:${model}`, model, message: `${model} circuit opened: calls skip it until a probe succeeds` });
    }
    this.#judge.refresh(s, model, now, false);
  }

  /**
   * Budget use of `scope` (e.g. `daily`, `task:42`) as a fraction of its limit.
   * `refusedModel`: the scope just had no room for a call to that model — a
   * refusal, alerted as such, whatever the fraction (one oversized call can be
   * refused at 50%).
   */
  recordBudget(scope: string, fraction: number, refusedModel?: string): void {
    this.#budgets.record(scope, fraction, refusedModel);
  }

  /**
   * A call started; pass the token to {@link Monitor.endCall} when it settles. Feeds in-flight counts and the
   * long-running rule. `limitMs`: the call's own deadline, when it has one (a call ended sooner than the rule's threshold is not watched).
   */
  startCall(model: string, at?: number, limitMs?: number): CallToken {
    const now = at ?? this.#clock.now();
    this.#state(model, now);
    return this.#inFlight.start(model, now, limitMs);
  }

  endCall(token: CallToken): void {
    this.#inFlight.end(token);
  }

  /**
   * `model`'s successful-attempt latency over the longest window (p50, p99 and
   * the sample count), refreshed at most every `health.latencyRefreshMs`.
   * Undefined before its first success. Derived attempt deadlines read it.
   */
  latencyBaseline(model: string, at?: number): LatencyBaseline | undefined {
    const s = model === this.#lastModel ? this.#lastState : this.#models.get(model);
    if (!s) return undefined;
    return (s.baseline ??= new BaselineCache()).read(s.rings[this.#longest]!, at ?? this.#clock.now(), this.options.health.latencyRefreshMs, this.options.relativeAccuracy, s);
  }

  /** Current health of `model`, re-evaluated now. */
  health(model: string): Health {
    const s = this.#models.get(model);
    if (!s) return 'healthy';
    this.#judge.refresh(s, model, this.#clock.now(), true);
    return s.health;
  }

  /**
   * The model's p95 latency (or time to first token) over the health window,
   * or undefined below `health.minCalls` samples. Re-read at most every
   * `health.latencyRefreshMs`, so calling it per request is cheap.
   */
  recentP95(model: string, which: 'latency' | 'ttft'): number | undefined {
    const s = this.#models.get(model);
    if (!s) return undefined;
    const cache = which === 'ttft' ? (s.recentTtft ??= new BaselineCache('ttft')) : (s.recentLatency ??= new BaselineCache('latency'));
    const b = cache.read(s.healthRing, this.#clock.now(), this.options.health.latencyRefreshMs, this.options.relativeAccuracy, s);
    return b && b.samples >= this.options.health.minCalls ? b.p95 : undefined;
  }

  /** Orders `models` for the fallback chain, with the reason for each place. */
  rank(models: readonly string[], strategy: RoutingStrategy = this.options.routing): Ranking {
    const now = this.#clock.now();
    const inputs = models.map((model) => {
      const s = this.#models.get(model);
      if (s) this.#judge.refresh(s, model, now, true, false); // percentiles stay throttled: rank runs per call
      return { model, health: s?.health ?? 'healthy', calls: s?.calls ?? 0, errorRate: s && s.calls > 0 ? s.failures / s.calls : 0, p50LatencyMs: s?.p50LatencyMs };
    });
    return rankModels(inputs, strategy, this.options.health.minCalls, this.#healthLabel);
  }

  /** Plain JSON-serializable state. `process: true` samples memory, CPU and event-loop delay into it. */
  snapshot(opts: { process?: boolean } = {}): MonitorSnapshot {
    const now = this.#clock.now();
    for (const [model, s] of this.#models) this.#judge.refresh(s, model, now, true);
    return buildSnapshot({
      now,
      options: this.options,
      models: this.#models,
      inFlight: this.#inFlight.summary(),
      budgets: this.#budgets.scopes,
      recent: this.#notices.recent,
      period: this.#period?.ms,
      process: opts.process ? this.#process.sample(now) : undefined,
      reasons: (s) => healthReasons(s, this.options.health, this.#judge.over(s)),
    });
  }

  /** Adds a notable event from outside (e.g. a replayed log). @internal */
  note(e: NotableEvent): void {
    this.#notices.note(e);
  }

  /** Drops everything kept for `model` (its windows, health and anomaly baseline): the client forgets idle models it was not configured with. */
  forget(model: string): void {
    this.#models.delete(model);
    if (model === this.#lastModel) this.#lastModel = this.#lastState = undefined;
  }

  /** Clears the watchdog timer and stops the event-loop histogram. Safe to call twice. */
  dispose(): void {
    this.#notices.dispose();
    this.#inFlight.dispose();
    this.#process.dispose();
  }
}
