import { type Clock, systemClock, systemRandom } from '../clock/clock.js';
import { Health, type Script, runScript } from './health.js';
import type { RedisStoreDeps } from './budget-store.js';
import { type RedisBreakerStateOptions, randomId, resolveBreakerStateOptions } from './options.js';
import { BREAKER_CLOSE, BREAKER_OPEN, BREAKER_PROBE, BREAKER_READ, BREAKER_RELEASE } from './scripts.js';
import type { RedisLike } from './types.js';

/** One model's breaker as the other processes published it. */
export interface SharedBreakerView {
  /**
   * `open`: some process opened it and `openUntil` is still ahead: fail fast.
   * `half-open`: `openUntil` has passed and no process has published a result
   * yet: only the holder of the probe lease ({@link RedisBreakerState.acquireProbe}) calls.
   * `closed`: nothing published, or Redis is out of reach (the local breaker decides).
   */
  readonly state: 'closed' | 'open' | 'half-open';
  /** True for `open` and `half-open`. */
  readonly open: boolean;
  /** When the opening process allows a probe (epoch ms, its clock). */
  readonly openUntil?: number;
}

const CLOSED: SharedBreakerView = Object.freeze({ state: 'closed', open: false });

interface Entry {
  openUntil: number | undefined;
  fetchedAt: number;
  refreshing: Promise<SharedBreakerView> | undefined;
}

/**
 * Breaker state shared through Redis (opt-in). The local breaker still
 * counts failures; this adds: an open seen by other processes within
 * `syncMs` (plus one round trip), and one half-open probe at a time across
 * processes (a `SET NX PX` lease). Reads are answered from a cache refreshed
 * lazily, at most once per `syncMs` per model: no timer, no subscription.
 * When Redis is out of reach every answer is fail-open (`closed`, probe granted).
 */
export class RedisBreakerState {
  readonly #redis: RedisLike;
  readonly #o: ReturnType<typeof resolveBreakerStateOptions>;
  readonly #clock: Clock;
  readonly #health: Health;
  readonly #client: string;
  readonly #entries = new Map<string, Entry>();

  constructor(redis: RedisLike, options?: RedisBreakerStateOptions, deps: RedisStoreDeps = {}) {
    this.#o = resolveBreakerStateOptions(options);
    this.#redis = redis;
    this.#clock = deps.clock ?? systemClock;
    this.#health = new Health('breaker', this.#clock, deps.emitter, this.#o.retryMs);
    this.#client = this.#o.clientId ?? randomId(deps.random ?? systemRandom);
  }

  get degraded(): boolean {
    return this.#health.degraded;
  }

  #keys(model: string): [string, string] {
    return [`${this.#o.prefix}breaker:open:${model}`, `${this.#o.prefix}breaker:probe:${model}`];
  }

  #entry(model: string): Entry {
    let e = this.#entries.get(model);
    if (!e) {
      e = { openUntil: undefined, fetchedAt: Number.NEGATIVE_INFINITY, refreshing: undefined };
      this.#entries.set(model, e);
    }
    return e;
  }

  #view(e: Entry, now: number): SharedBreakerView {
    if (this.#health.degraded || e.openUntil === undefined) return CLOSED;
    return Object.freeze({ state: now < e.openUntil ? 'open' : 'half-open', open: true, openUntil: e.openUntil });
  }

  /** Runs one script; `undefined` when Redis could not be used. */
  async #run(s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    if (!this.#health.mayTry()) return undefined;
    try {
      const r = await runScript(this.#redis, this.#clock, this.#o.timeoutMs, s, keys, args);
      this.#health.recover(0);
      return r;
    } catch (error) {
      this.#health.fail(error);
      return undefined;
    }
  }

  /**
   * The cached shared state of `model`, synchronously. When the cache is
   * older than `syncMs` a refresh starts in the background (one per model at
   * a time), so a state published elsewhere is seen within `syncMs` plus one
   * round trip of any read.
   */
  readState(model: string): SharedBreakerView {
    const now = this.#clock.now();
    const e = this.#entry(model);
    if (now - e.fetchedAt >= this.#o.syncMs && !e.refreshing && this.#health.mayTry()) void this.refresh(model);
    return this.#view(e, now);
  }

  /** Fetches the shared state of `model` now. Never rejects. */
  refresh(model: string): Promise<SharedBreakerView> {
    const e = this.#entry(model);
    e.refreshing ??= (async () => {
      try {
        const r = await this.#run(BREAKER_READ, [this.#keys(model)[0]], []);
        if (!this.#health.degraded) {
          e.openUntil = r === null || r === undefined ? undefined : Number(r);
          e.fetchedAt = this.#clock.now();
        }
        return this.#view(e, this.#clock.now());
      } finally {
        e.refreshing = undefined;
      }
    })();
    return e.refreshing;
  }

  /**
   * Tells the other processes `model` is open until `openUntil` (epoch ms).
   * The later of two published times wins. The key outlives `openUntil` by
   * `probeWindowMs` (half-open, waiting for a probe's result), then lapses.
   * Gives up this process's probe lease, if it held one. Never rejects.
   */
  async publishOpen(model: string, openUntil: number, probeWindowMs = 30_000): Promise<void> {
    const e = this.#entry(model);
    e.openUntil = Math.max(e.openUntil ?? 0, openUntil);
    const ttl = Math.max(1, Math.ceil(openUntil - this.#clock.now() + probeWindowMs));
    await this.#run(BREAKER_OPEN, this.#keys(model), [Math.round(openUntil), ttl, this.#client]);
  }

  /** Tells the other processes `model` recovered; frees the probe lease. Never rejects. */
  async publishClosed(model: string): Promise<void> {
    const e = this.#entry(model);
    e.openUntil = undefined;
    e.fetchedAt = this.#clock.now();
    await this.#run(BREAKER_CLOSE, this.#keys(model), []);
  }

  /**
   * Claims the half-open probe of `model` for `leaseMs`: true for exactly one
   * process until the lease expires or a result is published. True as well
   * when Redis is out of reach (fail-open: the local breaker decides). Never rejects.
   */
  async acquireProbe(model: string, leaseMs: number): Promise<boolean> {
    const r = await this.#run(BREAKER_PROBE, [this.#keys(model)[1]], [this.#client, Math.max(1, Math.ceil(leaseMs))]);
    return r === undefined ? true : Number(r) === 1;
  }

  /** Frees the probe lease of `model` if this process holds it (a probe that ended without a verdict). Never rejects. */
  async releaseProbe(model: string): Promise<void> {
    await this.#run(BREAKER_RELEASE, [this.#keys(model)[1]], [this.#client]);
  }
}
