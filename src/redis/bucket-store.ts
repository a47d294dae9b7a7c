import { type Clock, type RandomSource, systemRandom } from '../clock/clock.js';
import { ARGS_PER_DIM, BUCKET_ADMIT, BUCKET_DIMS, type BucketDim, HEAD_ARGS } from './bucket-script.js';
import { RedisOpError, runScript } from './health.js';
import { randomId } from './options.js';
import type { RedisLike } from './types.js';

export { BUCKET_DIMS, type BucketDim } from './bucket-script.js';

/** A header reading of one dimension, as the provider sent it. */
export interface BucketReading {
  readonly remaining: number;
  /** The provider's limit per minute. */
  readonly limit: number;
  /** Clock time the reading was taken. */
  readonly observedAt: number;
}

/** What one admission sends for one dimension. */
export interface DimRequest {
  /** Units this call takes when admitted. */
  readonly take: number;
  /** Units that must be in the bucket for the call to go now (take plus a reserve). */
  readonly need: number;
  /** The latest header reading of this process not yet shared, if any. */
  readonly reading?: BucketReading | undefined;
  /** Units of calls admitted earlier but never sent (given back). */
  readonly giveBack?: number;
  /**
   * Units the provider gave back when calls ended (output reserved but not written, input
   * an estimate counted beyond the real one), and the earliest of those ends: a reading
   * taken later that lowered the shared level already counts them, so they are not added twice.
   */
  readonly refund?: { readonly units: number; readonly at: number } | undefined;
}

/** One shared admission: one atomic step on the model's buckets. */
export interface SharedAdmission {
  /** The caller's clock. */
  readonly now: number;
  /** Take the call's units only when its wait is at most this; -1: never take (a look). */
  readonly maxWaitMs: number;
  /**
   * Clock time of a 429 this process saw while its headers still showed room (the provider
   * enforces a window they do not show): the shared burst is halved and the buckets emptied.
   */
  readonly cutAt?: number | undefined;
  /** The dimension that 429 most likely hit (its headers showed it the most used): its bucket is emptied. */
  readonly cutDim?: BucketDim | undefined;
  /** The share of `cutDim`'s limit that 429's headers showed used: the burst shrinks at least to it. */
  readonly cutTo?: number | undefined;
  /**
   * The call has another model to go to: it takes only from the burst's first part (a 10-s
   * window's share of the limit) and leaves the rest of the burst to calls that have nowhere else.
   */
  readonly keep?: boolean | undefined;
  /**
   * The smallest burst share a window the headers do not show left on another model of this
   * process: the model's burst is capped to it (such windows are the account's more often than a model's).
   */
  readonly burstAtMost?: number | undefined;
  /**
   * The part of their output cap (`max_tokens`) the model's answers write, as this process's recent
   * ones did, and the model's latency in whole seconds: once output is refunded when answers end, the
   * output of the calls waiting before this one counts at that part for this call's turn, except the
   * calls whose turns come within `aheadS` (still writing when this one's comes). Absent: at their cap.
   */
  readonly outputPart?: { readonly part: number; readonly aheadS: number } | undefined;
  readonly dims: Readonly<Partial<Record<BucketDim, DimRequest>>>;
}

/** A dimension's state right after the admission. */
export interface DimState {
  /** Units in the bucket (negative while admitted calls wait for their share). */
  readonly level: number;
  /** Limit per minute (refilled at limit / 60 000 per ms). */
  readonly limit: number;
  /** Most units the bucket holds: the limit times the shared burst share (the limit when absent). */
  readonly capacity?: number;
}

export interface SharedAnswer {
  /** The call's units were taken: it goes now (`waitMs` 0) or after `waitMs`. */
  readonly taken: boolean;
  /** Ms until the call's share has refilled (0: there is room now). */
  readonly waitMs: number;
  /** The dimension that decided `waitMs`. */
  readonly reason: BucketDim | undefined;
  /** Share of the limit every process may take as a burst (1 until unexplained 429s; 1 when absent). */
  readonly burst?: number;
  /** The dimensions the store knows, as of `now`. */
  readonly dims: Readonly<Partial<Record<BucketDim, DimState>>>;
}

/**
 * The seam between admission and a store shared by every process: one call,
 * one atomic step (fold in this process's header readings and give-backs,
 * refill to `now`, decide, take). `admit` rejects when the store cannot answer;
 * the caller then admits on its own.
 */
export interface SharedBucketStore {
  admit(model: string, request: SharedAdmission): Promise<SharedAnswer>;
}

/** Idle model hashes expire after this; the next reading recreates them. */
const IDLE_EXPIRY_MS = 10 * 60_000;

/**
 * {@link SharedBucketStore} on Redis: one `EVALSHA` of the bucket script per
 * admission on `<prefix>buckets:<model>`, bounded by `timeoutMs` on the clock.
 * Each admission runs once: it carries this store's id and a sequence the script
 * refuses when it is not above the last one it ran for this store (a command the
 * Redis client sent again after a reconnect, whose give-backs would count twice).
 */
export class RedisBucketStore implements SharedBucketStore {
  readonly #redis: RedisLike;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #client: string;
  #seq = 0;

  constructor(redis: RedisLike, clock: Clock, o: { readonly prefix: string; readonly timeoutMs: number }, random: RandomSource = systemRandom) {
    this.#redis = redis;
    this.#clock = clock;
    this.#prefix = o.prefix;
    this.#timeoutMs = o.timeoutMs;
    this.#client = randomId(random);
  }

  admit(model: string, request: SharedAdmission): Promise<SharedAnswer> {
    return this.#admit(model, request, false);
  }

  async #admit(model: string, request: SharedAdmission, again: boolean): Promise<SharedAnswer> {
    const cut = request.cutAt;
    const cutDim = request.cutDim === undefined ? 0 : BUCKET_DIMS.indexOf(request.cutDim) + 1;
    // A thousand per ms of the clock at least: the script also refuses a command older than the hash's idle expiry by it.
    this.#seq = Math.max(this.#seq + 1, Math.floor(this.#clock.now()) * 1_000);
    const args: (string | number)[] = [Math.floor(request.now), IDLE_EXPIRY_MS, request.maxWaitMs, cut === undefined ? '' : Math.floor(cut), cutDim, request.cutTo ?? '', request.keep ? 1 : 0, request.burstAtMost ?? '', request.outputPart?.part ?? '', request.outputPart?.aheadS ?? '', this.#client, this.#seq];
    for (const dim of BUCKET_DIMS) {
      const d = request.dims[dim];
      const r = d?.reading;
      const refund = d?.refund;
      args.push(d?.take ?? 0, d?.need ?? 0, r ? r.remaining : '', r ? r.limit : '', r ? Math.floor(r.observedAt) : '', d?.giveBack ?? 0, refund ? refund.units : 0, refund ? Math.floor(refund.at) : '');
    }
    if (args.length !== HEAD_ARGS + BUCKET_DIMS.length * ARGS_PER_DIM) throw new Error('bucket script arguments out of step');
    const reply = (await runScript(this.#redis, this.#clock, this.#timeoutMs, BUCKET_ADMIT, [`${this.#prefix}buckets:${model}`], args)) as unknown[];
    if (Number(reply[0]) === -1) {
      // Stale: a later command of this store ran first (they reached Redis out of order). Once more with a new seq.
      if (!again) return this.#admit(model, request, true);
      throw new RedisOpError('error', 'Redis refused the admission as stale twice', false);
    }
    const burst = Number(reply[3]);
    const dims: Partial<Record<BucketDim, DimState>> = {};
    BUCKET_DIMS.forEach((dim, i) => {
      const level = reply[4 + 2 * i];
      const limit = reply[5 + 2 * i];
      if (level !== '' && level !== undefined && limit !== '' && limit !== undefined) {
        dims[dim] = { level: Number(level), limit: Number(limit), capacity: Math.max(1, Number(limit) * burst) };
      }
    });
    const d = Number(reply[2]);
    return { taken: Number(reply[0]) === 1, waitMs: Number(reply[1]), reason: d > 0 ? BUCKET_DIMS[d - 1] : undefined, burst, dims };
  }
}
