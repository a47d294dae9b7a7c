import type { Clock } from '../clock/clock.js';
import { DisposedError } from '../errors/errors.js';
import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import type { AdmitOptions, Limiter, LimiterEmitter, ModelLimitSnapshot, Release } from '../limits/limiter.js';
import { weightOf } from '../limits/learn.js';
import type { SharedBucketStore } from './bucket-store.js';
import { Health } from './health.js';
import { type SharedBucketsOptions, StoreBuckets } from './store-buckets.js';
import type { RedisEmitter } from './types.js';

export type { SharedBucketsOptions } from './store-buckets.js';

/**
 * Header-driven admission whose buckets live in a {@link SharedBucketStore}
 * (Redis): every process's headers feed them and every admission takes from
 * them, in one store call per admission. This process's header readings ride
 * on its next admission of that model (no extra round trip).
 *
 * Decisions stay local: where to spill (from the store's last answer for each
 * later model), the hold after a 429, the wait itself (on this process's clock).
 * The `local` limiter sees every header and 429 too; while the store cannot
 * answer (an error, or no answer within its timeout) calls are admitted by it,
 * `store:degraded` is emitted, and the store is tried again after `retryMs`.
 * This class is that choice; the store-backed admission is {@link StoreBuckets}.
 */
export class SharedBuckets implements Limiter {
  readonly enabled = true;
  readonly #local: Limiter;
  readonly #health: Health;
  readonly #shared: StoreBuckets;
  #disposed = false;

  constructor(store: SharedBucketStore, local: Limiter, deps: { clock: Clock; emitter?: (LimiterEmitter & RedisEmitter) | undefined; options: SharedBucketsOptions }) {
    this.#local = local;
    this.#health = new Health('limits', deps.clock, deps.emitter, deps.options.retryMs);
    this.#shared = new StoreBuckets(store, this.#health, deps);
  }

  /** False while the store is out of reach and its next probe is not due: calls go to the local limiter. */
  get shared(): boolean {
    return this.#health.mayTry();
  }

  admit(model: string, options?: AdmitOptions): Release | Promise<Release> {
    if (this.#disposed) return Promise.reject(new DisposedError());
    if (!this.#health.mayTry()) return this.#local.admit(model, options);
    return this.#admit(model, options);
  }

  async #admit(model: string, options: AdmitOptions | undefined): Promise<Release> {
    const w = weightOf(options?.weight);
    const later = options?.spillTo;
    const spill = later !== undefined && later.length > 0 && this.#spills(model, later, w);
    // No answer from the store: this call is the local limiter's, which has learnt from every header all along.
    return (await this.#shared.admit(model, options, w, spill)) ?? this.#local.admit(model, options);
  }

  /**
   * Whether the call goes to a later model: one with room now, or, as one process decides, one that can
   * serve sooner than this model, both judged by the store's last answers (no round trip).
   */
  #spills(model: string, later: readonly string[], w: AdmitOptions['weight']): boolean {
    if (later.some((m) => this.available(m, w))) return true;
    const mine = this.#shared.waitFor(model, w);
    if (mine === undefined || mine === 0) return false;
    return later.some((m) => (this.#shared.waitFor(m, w) ?? Infinity) < mine);
  }

  used(model: string, weight: AdmitOptions['weight'], usage: { readonly outputTokens: number; readonly inputTokens?: number }): void {
    this.#local.used?.(model, weight, usage);
    this.#shared.used(model, weight, usage);
  }

  observe(model: string, info: RateLimitInfo): void {
    this.#local.observe(model, info);
    this.#shared.observe(model, info);
  }

  throttled(model: string, retryAfterMs: number | undefined, weight?: AdmitOptions['weight']): void {
    this.#local.throttled(model, retryAfterMs, weight);
    this.#shared.throttled(model, retryAfterMs, weight);
  }

  available(model: string, weight?: AdmitOptions['weight']): boolean {
    if (!this.#health.mayTry()) return this.#local.available(model, weight);
    return this.#shared.available(model, weight) ?? this.#local.available(model, weight);
  }

  waiting(model: string): number {
    return this.#shared.waiting(model) + this.#local.waiting(model);
  }

  snapshot(): Readonly<Record<string, ModelLimitSnapshot>> {
    const local = this.#local.snapshot();
    if (!this.#health.mayTry()) return local;
    return this.#shared.snapshot(local, (model) => this.waiting(model));
  }

  /** Drops what this process keeps for an idle `model` (the shared buckets on Redis stay, and expire there). */
  forget(model: string): void {
    if (this.#shared.forget(model)) this.#local.forget?.(model);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#shared.dispose();
    this.#local.dispose();
  }
}
