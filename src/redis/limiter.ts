import Bottleneck from 'bottleneck';
import { type Clock, type TimerHandle, systemClock } from '../clock/clock.js';
import { keepAbortListener, linkSignals } from '../clock/signals.js';
import { DisposedError, NoCapacityError, QueueFullError, isNoCapacityError, isQueueFullError } from '../errors/errors.js';
import { waitBound } from '../limits/deadline.js';
import { type AdmitOptions, type Limiter, type LimiterEmitter, type ModelLimitSnapshot, type Release, createLimiter } from '../limits/limiter.js';
import { type LimitsOptions, type ModelLimits, markDefaultWait, resolveLimits } from '../limits/options.js';
import { hold, race } from '../limits/slots.js';
import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import { RedisBucketStore } from './bucket-store.js';
import { PATIENCE_SHARES } from '../client/patience.js';
import { Health } from './health.js';
import { RedisPatienceShare } from './patience-share.js';
import { SharedBuckets } from './shared-buckets.js';
import { type RedisLimiterConfig, resolveLimiterConfig } from './options.js';
import type { RedisEmitter } from './types.js';
import { type RedisLimiterClient, type RedisLimiterOptions, noop, redisLimiterOptions } from './reservoirs.js';

interface Shared {
  readonly requests: Bottleneck | undefined;
  readonly tokens: Bottleneck | undefined;
  readonly tpm: number | undefined;
  /** Calls of this process in an admission here (the header buckets' wait included). */
  waiting: number;
  /** Of those, the calls waiting for the shared reservoirs (the header buckets count their own). */
  reserving: number;
  /** Calls this process holds admitted by the shared reservoirs, until their release. */
  inFlight: number;
}

/** A call's total token weight against a shared tokens-per-minute reservoir. */
function tokensOf(w: AdmitOptions['weight']): number {
  const v = typeof w === 'function' ? w() : (w ?? 1);
  return Math.max(0, typeof v === 'number' ? v : v.inputTokens + v.outputTokens);
}

const DOWN = new Set(['reconnecting', 'close', 'end']);

/**
 * A {@link Limiter} whose RPM, TPM and concurrency are shared by every process
 * on one Redis (bottleneck clustering). Header-driven admission stays per process. While
 * Redis is unreachable (status down, or a shared admission errors) calls are
 * admitted by a local limiter with the same limits (fail-open onto local
 * limits) and `store:degraded` is emitted; waits in progress move over to it.
 */
export function createRedisLimiter(
  redis: RedisLimiterClient,
  options: LimitsOptions,
  deps: { clock?: Clock; emitter?: LimiterEmitter & RedisEmitter; config?: RedisLimiterConfig } = {},
): Limiter & { readonly shared: RedisLimiterOptions } {
  const clock = deps.clock ?? systemClock;
  const limiter = markDefaultWait(new RedisLimiter(redis, options, clock, deps.emitter, deps.config), options);
  // The processes sharing these limits share their callers' patience too (decision 0066).
  PATIENCE_SHARES.set(limiter, new RedisPatienceShare(redis, clock, resolveLimiterConfig(deps.config)));
  return limiter;
}

/** Stops a model's reservoirs once their start-up settled (a start-up still under way would start a heartbeat again). */
const disconnect = (s: Shared) => {
  for (const b of [s.requests, s.tokens]) if (b) void b.ready().then(noop, noop).then(() => b.disconnect(false)).catch(noop);
};

class RedisLimiter implements Limiter {
  readonly enabled = true;
  readonly shared: RedisLimiterOptions;
  readonly #redis: RedisLimiterClient;
  readonly #limits: ReturnType<typeof resolveLimits> & object;
  readonly #clock: Clock;
  readonly #health: Health;
  readonly #local: Limiter;
  readonly #headers: Limiter;
  readonly #models = new Map<string, Shared>();
  readonly #dispose = new AbortController();
  /** Aborted when Redis is found down: shared waits in progress fall back to the local limiter. */
  #outage = new AbortController();
  #watch: TimerHandle | undefined;

  constructor(redis: RedisLimiterClient, options: LimitsOptions, clock: Clock, emitter: (LimiterEmitter & RedisEmitter) | undefined, config: RedisLimiterConfig | undefined) {
    this.#limits = resolveLimits(options)!;
    this.#redis = redis;
    this.#clock = clock;
    this.shared = redisLimiterOptions(redis, config);
    keepAbortListener(this.#dispose.signal);
    this.#health = new Health('limits', clock, emitter, resolveLimiterConfig(config).heartbeatMs);
    this.#local = createLimiter(options, { clock, ...(emitter ? { emitter } : {}) });
    const { default: _d, models: _m, ...rest } = options;
    const headers = createLimiter(rest, { clock, ...(emitter ? { emitter } : {}) });
    const cfg = resolveLimiterConfig(config);
    // The header-driven buckets themselves live on Redis (one script per admission); this process's
    // own header limiter keeps learning and admits whenever Redis does not answer in time.
    this.#headers =
      cfg.shareHeaders && headers.enabled
        ? new SharedBuckets(new RedisBucketStore(redis, clock, cfg), headers, {
            clock,
            emitter,
            options: { maxWaitMs: this.#limits.maxWaitMs, maxQueue: this.#limits.maxQueue, minRemainingRequests: this.#limits.minRemainingRequests, retryMs: cfg.retryMs },
          })
        : headers;
  }

  #shared(model: string): Shared {
    let s = this.#models.get(model);
    if (s) return s;
    const l: ModelLimits | undefined = Object.hasOwn(this.#limits.models, model) ? this.#limits.models[model] : this.#limits.default;
    const make = (unit: 'requests' | 'tokens', o: { maxConcurrent?: number; perMinute?: number }) => {
      const b = new Bottleneck(this.shared.forModel(model, unit, o));
      b.on('error', (error: unknown) => this.#down(error));
      // Its start-up rejects if Redis goes away first; each admission reports that on its own.
      b.ready().catch(noop);
      return b;
    };
    s = {
      requests: l?.maxConcurrent || l?.requestsPerMinute ? make('requests', { maxConcurrent: l.maxConcurrent, perMinute: l.requestsPerMinute }) : undefined,
      tokens: l?.tokensPerMinute ? make('tokens', { perMinute: l.tokensPerMinute }) : undefined,
      tpm: l?.tokensPerMinute,
      waiting: 0,
      reserving: 0,
      inFlight: 0,
    };
    this.#models.set(model, s);
    return s;
  }

  #up(): boolean {
    return !(this.#redis.status !== undefined && DOWN.has(this.#redis.status)) && this.#health.mayTry();
  }

  #down(error: unknown): void {
    this.#health.fail(error);
    this.#outage.abort();
    this.#outage = new AbortController();
  }

  admit(model: string, options?: AdmitOptions): Release | Promise<Release> {
    if (this.#dispose.signal.aborted) return Promise.reject(new DisposedError());
    const s = this.#shared(model);
    if (!s.requests && !s.tokens) return this.#headers.admit(model, options);
    if (!this.#up()) return this.#local.admit(model, options);
    if (s.waiting >= this.#limits.maxQueue) return Promise.reject(new QueueFullError(model, this.#limits.maxQueue));
    return this.#admit(s, model, options);
  }

  async #admit(s: Shared, model: string, options: AdmitOptions | undefined): Promise<Release> {
    const outage = this.#outage.signal;
    // Ends the shared wait at its bound, as the local limiter's waits end: `maxWaitMs`, or the call's deadline.
    const late = new AbortController();
    // Linked without AbortSignal.any: on Node 20 that keeps a reference per call in the long-lived dispose signal.
    const stop = linkSignals([outage, this.#dispose.signal, options?.signal, late.signal]);
    s.waiting++;
    this.#watchStatus();
    let release: Release = () => {};
    let bounded: TimerHandle | undefined;
    let reserving = false;
    const start = this.#clock.now();
    try {
      const headerRelease = await this.#headers.admit(model, options);
      headerRelease();
      reserving = true;
      s.reserving++;
      const now = this.#clock.now();
      const bound = waitBound(this.#limits.maxWaitMs, options, now);
      // `maxWaitMs` bounds the whole admission: what the header buckets' wait took counts against it.
      const left = bound.stated ? bound.ms : bound.ms - (now - start);
      bounded = this.#clock.setTimeout(() => late.abort(new NoCapacityError(model, bound.ms, bound.reason)), Math.max(0, left));
      if (s.tokens) await race(s.tokens.schedule({ weight: Math.min(tokensOf(options?.weight), s.tpm!) }, () => Promise.resolve()), stop.signal);
      if (s.requests) release = await hold(s.requests, stop.signal);
      this.#health.recover(0);
      s.inFlight++;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        s.inFlight--;
        release();
      };
    } catch (error) {
      if (this.#dispose.signal.aborted) throw new DisposedError();
      if (options?.signal?.aborted) throw options.signal.reason;
      // The header buckets refused (spill, wait bound, queue), or the shared wait reached its bound: an answer, not a Redis failure.
      if (isNoCapacityError(error) || isQueueFullError(error)) throw error;
      // Redis went away (or a shared script failed): this call is admitted by the local limits instead.
      if (!outage.aborted) this.#down(error);
      return this.#local.admit(model, options);
    } finally {
      if (bounded !== undefined) this.#clock.clearTimeout(bounded);
      stop.unlink();
      s.waiting--;
      if (reserving) s.reserving--;
    }
  }

  /** One clock timer while shared waits exist: notices a dropped connection that bottleneck would wait out. */
  #watchStatus(): void {
    if (this.#watch !== undefined) return;
    this.#watch = this.#clock.setTimeout(() => {
      this.#watch = undefined;
      if (this.#dispose.signal.aborted) return;
      if (this.#redis.status !== undefined && DOWN.has(this.#redis.status)) this.#down(new Error(`Redis connection is ${this.#redis.status}`));
      if ([...this.#models.values()].some((s) => s.waiting > 0)) this.#watchStatus();
    }, 250);
  }

  observe(model: string, info: RateLimitInfo): void {
    this.#headers.observe(model, info);
    this.#local.observe(model, info);
  }

  throttled(model: string, retryAfterMs: number | undefined, weight?: AdmitOptions['weight']): void {
    this.#headers.throttled(model, retryAfterMs, weight);
    this.#local.throttled(model, retryAfterMs, weight);
  }

  used(model: string, weight: AdmitOptions['weight'], usage: { readonly outputTokens: number; readonly inputTokens?: number }): void {
    this.#headers.used?.(model, weight, usage);
    this.#local.used?.(model, weight, usage);
  }

  available(model: string, weight?: AdmitOptions['weight']): boolean {
    return this.#up() ? this.#headers.available(model, weight) : this.#local.available(model, weight);
  }

  /** The header buckets' view, with the calls this process has waiting for, or holding, the shared reservoirs. */
  snapshot(): Readonly<Record<string, ModelLimitSnapshot>> {
    if (!this.#up()) return this.#local.snapshot();
    const view = this.#headers.snapshot();
    let out: Record<string, ModelLimitSnapshot> | undefined;
    for (const [model, s] of this.#models) {
      if (s.inFlight === 0 && s.reserving === 0) continue;
      out ??= { ...view };
      const base = view[model] ?? { inFlight: 0, waiting: 0, heldForMs: 0 };
      out[model] = { ...base, inFlight: base.inFlight + s.inFlight, waiting: base.waiting + s.reserving };
    }
    return out ?? view;
  }

  waiting(model: string): number {
    return (this.#models.get(model)?.waiting ?? 0) + this.#local.waiting(model);
  }

  /** Drops an idle `model`'s reservoirs in this process (their state on Redis stays, and expires there). */
  forget(model: string): void {
    const s = this.#models.get(model);
    if (s && s.waiting > 0) return;
    this.#models.delete(model);
    if (s) disconnect(s);
    this.#headers.forget?.(model);
    this.#local.forget?.(model);
  }

  dispose(): void {
    if (this.#dispose.signal.aborted) return;
    this.#dispose.abort(new DisposedError());
    if (this.#watch !== undefined) this.#clock.clearTimeout(this.#watch);
    this.#watch = undefined;
    this.#local.dispose();
    this.#headers.dispose();
    void this.shared.disconnect();
    // On a shared connection bottleneck's disconnect stops the heartbeat and forgets the
    // limiter; after its start-up, which would start a heartbeat again.
    for (const s of this.#models.values()) disconnect(s);
    this.#models.clear();
  }
}
