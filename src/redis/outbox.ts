import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import type { CallWeight } from '../limits/limiter.js';
import { mostUsed, unitsOf } from '../limits/learn.js';
import { BUCKET_DIMS, type BucketDim, type BucketReading, type DimRequest } from './bucket-store.js';

/** Models whose state is kept at most (model names can come from callers); the oldest is forgotten first. */
const MAX_MODELS = 10_000;
export const bounded = <V>(map: Map<string, V>, key: string, value: V) => {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_MODELS) map.delete(map.keys().next().value!);
};

/** A 429 its headers did not explain: when, the dimension they showed most used, and the share of its limit used. */
export interface Cut {
  readonly at: number;
  readonly dim: BucketDim | undefined;
  readonly to: number | undefined;
}

/** A 429's report: the dimension its headers show the most used, and the share of its limit used (see {@link mostUsed}). */
export const cutAt = (info: RateLimitInfo, at: number): Cut => {
  const { dim, used } = mostUsed(info);
  return { at, dim, to: used };
};

/** What this process has to tell the store about a model on its next admission there. */
interface Box {
  readings: Partial<Record<BucketDim, BucketReading>>;
  giveBack: Partial<Record<BucketDim, number>>;
  /** What finished calls did not use, with the earliest of their ends. */
  refund: Partial<Record<BucketDim, { units: number; at: number }>>;
  /** The latest 429 that came while this process's headers still showed room, and its likely dimension. */
  cut?: Cut;
}

/**
 * Per model, what this process has to tell the shared buckets: header readings, the shares of calls
 * never sent, what finished calls did not use, and a 429 its headers did not explain. All of it rides
 * on the process's next admission of that model (no extra round trip).
 */
export class Outbox {
  readonly #boxes = new Map<string, Box>();

  #box(model: string): Box {
    let b = this.#boxes.get(model);
    if (!b) bounded(this.#boxes, model, (b = { readings: {}, giveBack: {}, refund: {} }));
    return b;
  }

  /** The call's units per dimension, with everything waiting to be shared about `model` (then emptied). */
  request(model: string, w: CallWeight | number, minRemainingRequests: number): { dims: Partial<Record<BucketDim, DimRequest>>; cut: Cut | undefined } {
    const out = this.#boxes.get(model);
    this.#boxes.delete(model);
    const dims: Partial<Record<BucketDim, DimRequest>> = {};
    for (const dim of BUCKET_DIMS) {
      const take = unitsOf(dim, w);
      const need = dim === 'requests' ? take + minRemainingRequests : take;
      dims[dim] = { take, need, reading: out?.readings[dim], giveBack: out?.giveBack[dim] ?? 0, refund: out?.refund[dim] };
    }
    return { dims, cut: out?.cut };
  }

  /**
   * A call taken on the dimensions `known` but never sent: its units go back to everyone. With `sign` −1,
   * a call that took over another's units (whose give-back pays for them): only the difference goes back.
   */
  giveBack(model: string, known: Readonly<Partial<Record<BucketDim, unknown>>>, dims: Partial<Record<BucketDim, DimRequest>>, sign: 1 | -1 = 1): void {
    const out = this.#box(model);
    for (const dim of BUCKET_DIMS) if (known[dim]) out.giveBack[dim] = (out.giveBack[dim] ?? 0) + sign * Math.max(0, dims[dim]?.take ?? 0);
  }

  /** Units the provider gave back when a call ended at `now`. */
  refund(model: string, dim: BucketDim, units: number, now: number): void {
    const out = this.#box(model);
    const r = out.refund[dim];
    out.refund[dim] = r ? { units: r.units + units, at: Math.min(r.at, now) } : { units, at: now };
  }

  observe(model: string, info: RateLimitInfo): void {
    const out = this.#box(model);
    // As locally: Anthropic's `tokens-*` only repeats its input or output limit.
    const split = info.inputTokens !== undefined || info.outputTokens !== undefined;
    for (const dim of BUCKET_DIMS) {
      if (split && dim === 'tokens') continue;
      const win = info[dim];
      if (win?.remaining === undefined || win.limit === undefined || !(win.limit > 0)) continue;
      const prev = out.readings[dim];
      if (!prev || prev.observedAt <= info.observedAt) out.readings[dim] = { remaining: win.remaining, limit: win.limit, observedAt: info.observedAt };
    }
  }

  /** A 429 to report with the next admission (the later of two). */
  cut(model: string, cut: Cut): void {
    const box = this.#box(model);
    if (!box.cut || box.cut.at < cut.at) box.cut = cut;
  }

  delete(model: string): void {
    this.#boxes.delete(model);
  }

  clear(): void {
    this.#boxes.clear();
  }
}
