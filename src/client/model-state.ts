import { type BreakerHooks, ModelBreaker, type OpenReason } from '../breaker/breaker.js';
import type { ResolvedBreaker } from '../breaker/options.js';
import type { SharedBreaker } from '../breaker/shared.js';
import type { Classification } from '../classify/classify.js';
import { type RateLimitInfo, parseRateLimitHeaders } from '../classify/ratelimit-headers.js';
import type { Clock } from '../clock/clock.js';
import type { ResolvedDeployment, TargetOptions } from '../deployments/resolve.js';
import { CircuitOpenError } from '../errors/errors.js';
import type { BreakerState, EventBus } from '../events/events.js';
import type { Limiter } from '../limits/limiter.js';
import type { Monitor } from '../monitor/monitor.js';
import type { RetryBudget } from '../retry/budget.js';
import { holdOpen, stoppedModels } from './account-stop.js';
import type { ResilienceEvents } from './events-map.js';
import type { UsageWeights } from './weights.js';

/**
 * Models outside `models` (a wrapper passes the request's model) whose
 * breaker and monitor state is kept; beyond this the least recently used idle
 * one is forgotten. Model names can come from callers: without a bound, each
 * new name would keep about 11 KB forever.
 */
export const MAX_EXTRA_MODELS = 1_000;

const NONE: readonly string[] = Object.freeze([]);

/**
 * The shared half-open probe this process holds for an attempt: `local` when its own breaker is
 * half-open too (its close publishes the recovery), `shared` when only the shared view was.
 */
export type SharedProbe = 'local' | 'shared';

export interface ModelStateDeps {
  readonly clock: Clock;
  readonly bus: EventBus<ResilienceEvents>;
  readonly monitor: Monitor | undefined;
  readonly limiter: Limiter;
  readonly retryBudget: RetryBudget | undefined;
  readonly shared: SharedBreaker | undefined;
  readonly breaker: ResolvedBreaker | undefined;
  readonly timeoutMs: number | undefined;
  readonly models: readonly string[];
  readonly providers: ReadonlyMap<string, string>;
  readonly deployments: ReadonlyMap<string, readonly ResolvedDeployment[]>;
  readonly targets: ReadonlyMap<string, TargetOptions>;
  weights(): UsageWeights | undefined;
}

/**
 * The state the client keeps per model and per deployment (a "key": a model
 * name, or a deployment's id): breakers, the latest rate-limit headers, and
 * which models outside the configured chain are kept, evicting the least
 * recently used idle one past {@link MAX_EXTRA_MODELS}.
 */
export class ModelStates {
  readonly breakers = new Map<string, ModelBreaker>();
  readonly rateLimits = new Map<string, RateLimitInfo>();
  /** Each deployment by id. */
  readonly byId = new Map<string, ResolvedDeployment>();
  readonly #configured: ReadonlySet<string>;
  /** Models outside `models` (from `run({ models })`, e.g. a wrapper's request), least recently used first, with their calls in flight. */
  readonly #extra = new Map<string, number>();
  readonly #d: ModelStateDeps;
  /** One set of hooks for every breaker (not a closure per model). */
  readonly #hooks: BreakerHooks = { onTransition: (k, state, retryAfterMs, open) => this.#onBreaker(k, state, retryAfterMs, open) };

  constructor(deps: ModelStateDeps) {
    this.#d = deps;
    this.#configured = new Set(deps.models);
    for (const list of deps.deployments.values()) for (const dep of list) this.byId.set(dep.id, dep);
  }

  /** Every key with state of its own among the configured ones: plain models, and each deployment instead of its model. */
  get configuredKeys(): string[] {
    return this.#d.models.flatMap((m) => this.#d.deployments.get(m)?.map((d) => d.id) ?? [m]);
  }

  breakerFor(key: string): ModelBreaker | undefined {
    // A key's breaker options never change (the targets are fixed at construction), and a breaker is made only
    // when they exist: one made already is the answer, with one map lookup per call instead of three.
    if (key === this.#lastKey) return this.#lastBreaker;
    let b = this.breakers.get(key);
    if (!b) {
      const opts = this.#d.targets.get(key)?.breaker ?? (this.#d.targets.has(key) ? undefined : this.#d.breaker);
      if (!opts) return undefined;
      // Created on first use: a configured model that is never called costs nothing.
      b = new ModelBreaker(key, opts, this.#d.clock, this.#hooks);
      this.breakers.set(key, b);
    }
    this.#lastKey = key;
    this.#lastBreaker = b;
    return b;
  }

  /** The key {@link breakerFor} answered last, while its breaker is in {@link breakers}, and that breaker. */
  #lastKey: string | undefined;
  #lastBreaker: ModelBreaker | undefined;

  /** A key's breaker state; for a model with deployments, the best of theirs (closed if any is). */
  breakerState(key: string): BreakerState {
    const now = this.#d.clock.now();
    const list = this.#d.deployments.get(key);
    if (!list) return this.breakers.get(key)?.state(now) ?? 'closed';
    let best: BreakerState = 'open';
    for (const dep of list) {
      const s = this.breakers.get(dep.id)?.state(now) ?? 'closed';
      if (s === 'closed') return s;
      if (s === 'half-open') best = s;
    }
    return best;
  }

  observeHeaders(key: string, headers: unknown, taskId: string | undefined): void {
    const now = this.#d.clock.now();
    const info = parseRateLimitHeaders(headers, now);
    if (!info) return;
    this.rateLimits.set(key, info);
    this.#d.limiter.observe(key, info);
    if (!this.#d.bus.wants('ratelimit')) return;
    const dep = this.byId.get(key);
    this.#d.bus.emit('ratelimit', { timestamp: now, ...(taskId !== undefined ? { taskId } : {}), model: dep?.model ?? key, ...(dep ? { deployment: dep.id } : {}), info });
  }

  /** The models of `models` outside the configured chain: their state is kept while they are used (see {@link enter}). */
  extraOf(models: readonly string[] | undefined): readonly string[] {
    return models ? models.filter((m) => !this.#configured.has(m)) : NONE;
  }

  /** A call to a model outside `models` starts: it becomes the most recently used. */
  enter(model: string): void {
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

  leave(model: string): void {
    const n = this.#extra.get(model);
    if (n !== undefined) this.#extra.set(model, n - 1);
  }

  get extraModels(): number {
    return this.#extra.size;
  }

  /** Drops a model's breaker, monitor state, rate-limit headers, admission state and retry-budget ledger (and its deployments'). */
  #forget(model: string): void {
    this.#extra.delete(model);
    for (const key of [model, ...(this.#d.deployments.get(model)?.map((d) => d.id) ?? NONE)]) {
      this.breakers.get(key)?.dispose();
      this.breakers.delete(key);
      if (key === this.#lastKey) this.#lastKey = this.#lastBreaker = undefined;
      this.#d.monitor?.forget(key);
      this.rateLimits.delete(key);
      this.#d.weights()?.forget(key);
      this.#d.limiter.forget?.(key);
      this.#d.retryBudget?.forget(key);
    }
  }

  /**
   * An account stop: its breakers open for the quota period (no breakers:
   * nothing to hold). A deployment's stop reaches the deployments sharing its
   * SDK client (its account), never another account's; a model's, the models
   * of its provider as before (models reached through deployments excepted).
   */
  accountStop(key: string, error: unknown, cls: Classification, chain: readonly string[] | undefined): void {
    const dep = this.byId.get(key);
    if (dep) {
      for (const other of this.byId.values()) if (other.client === dep.client) this.#hold(other.id, error, cls);
      return;
    }
    const candidates = [...this.#d.models, ...(chain ?? NONE)].filter((m) => !this.#d.deployments.has(m));
    for (const m of stoppedModels(key, cls.scope, candidates, (x) => this.#d.providers.get(x))) this.#hold(m, error, cls);
  }

  #hold(key: string, error: unknown, cls: Classification): void {
    const b = this.breakerFor(key);
    if (b) holdOpen(b, error, cls.retryAfterMs);
  }

  /**
   * Cross-process breaker state, before the local breaker: another process's
   * open fails fast here, and only the holder of the probe lease probes.
   */
  async sharedCheck(key: string): Promise<SharedProbe | undefined> {
    const shared = this.#d.shared!;
    const now = this.#d.clock.now();
    const local = this.breakers.get(key)?.state(now) ?? 'closed';
    const leaseMs = (this.#d.timeoutMs ?? 30_000) + 1_000;
    if (local === 'closed') {
      const view = shared.readState(key);
      if (view.state === 'open') throw new CircuitOpenError(key, (view.openUntil ?? now) - now);
      if (view.state !== 'half-open') return undefined;
    } else if (local !== 'half-open') return undefined;
    if (!(await shared.acquireProbe(key, leaseMs))) throw new CircuitOpenError(key, 0); // another process holds the probe
    return local === 'closed' ? 'shared' : 'local';
  }

  /**
   * The probe this process held the lease for has ended. A success of a probe only the shared view
   * was half-open for tells every process the model recovered (a local half-open breaker closing
   * publishes that itself); an answer without a verdict (the caller's abort, a 400) frees the lease.
   */
  probeEnded(key: string, probe: SharedProbe, ok: boolean): void {
    const shared = this.#d.shared;
    if (!ok) void shared?.releaseProbe?.(key).catch(() => {});
    else if (probe === 'shared') void shared?.publishClosed(key).catch(() => {});
  }

  #onBreaker(key: string, state: BreakerState, retryAfterMs?: number, open?: { reason: OpenReason; trips: number }): void {
    const { monitor, shared, bus, clock } = this.#d;
    monitor?.recordBreaker(key, state);
    if (shared && state === 'open') void shared.publishOpen(key, clock.now() + (retryAfterMs ?? 0)).catch(() => {});
    if (shared && state === 'closed') void shared.publishClosed(key).catch(() => {});
    const name = state === 'open' ? 'breaker:open' : state === 'half-open' ? 'breaker:half-open' : 'breaker:close';
    if (!bus.wants(name)) return;
    const dep = this.byId.get(key);
    bus.emit(name, { timestamp: clock.now(), model: dep?.model ?? key, ...(dep ? { deployment: dep.id } : {}), state, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...open });
  }

  dispose(): void {
    for (const b of this.breakers.values()) b.dispose();
    this.breakers.clear();
    this.#lastKey = this.#lastBreaker = undefined;
  }
}
