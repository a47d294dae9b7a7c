import { QuantileSketch } from './sketch.js';
import type { Bucket, Ring } from './window.js';

/** Successes a batch holds before it is written out, whatever happens: bounds the memory a busy model holds. */
export const MAX_BATCH = 64;
const NO_VALUES: number[] = Object.freeze([]) as unknown as number[];

/**
 * A model's latest successful attempts, not yet written to its windows.
 *
 * A success is the common case and needs little: while every window's current
 * bucket is the one the batch started in, it is counted here and binned once,
 * into one small sketch. The batch is written out (its counts added to each
 * window's bucket, its sketch merged into each bucket's sketch, the sum added
 * value by value so it is the same number) before anything reads latency or
 * rotates a bucket: so every snapshot, percentile, health verdict and event is
 * what recording each success at once would give, with one sketch update per
 * success instead of one per window.
 */
export class PendingSuccesses {
  /** Successes in the batch. */
  count = 0;
  /** The health window's attempts and failures when the batch started: with {@link count}, the window's figures now. */
  baseCalls = 0;
  baseFailures = 0;
  readonly #relativeAccuracy: number;
  readonly #maxBatch: number;
  #at = 0;
  /** The last time {@link fits} said yes: calls come many to a millisecond, and this spares the division per window. */
  #fitAt = Number.NaN;
  /** Each window's bucket of the batch, rotated to when the batch began (as recording its first success did). */
  readonly buckets: Bucket[];
  /** The batch's values in order; a fresh one-element array per batch, not a grown array's spare room. */
  #values: number[] = NO_VALUES;
  #sketch: QuantileSketch | undefined;

  constructor(relativeAccuracy: number, windows: number, maxBatch = MAX_BATCH) {
    this.#relativeAccuracy = relativeAccuracy;
    this.#maxBatch = maxBatch;
    this.buckets = new Array<Bucket>(windows);
  }

  /** Whether a batch is open and `now` falls in its buckets in every window (so nothing has rotated). */
  fits(rings: readonly Ring[], now: number): boolean {
    if (this.count === 0 || this.count >= this.#maxBatch) return false;
    if (now === this.#fitAt) return true;
    for (let i = 0; i < rings.length; i++) if (rings[i]!.indexOf(now) !== this.buckets[i]!.index) return false;
    this.#fitAt = now;
    return true;
  }

  /** Adds a success at `now`: joins the open batch, or writes it out and starts another. */
  add(rings: readonly Ring[], health: Ring, now: number, ms: number): void {
    if (!this.fits(rings, now)) {
      this.flush(rings);
      this.#at = this.#fitAt = now;
      for (let i = 0; i < rings.length; i++) this.buckets[i] = rings[i]!.at(now);
      this.baseCalls = health.calls(now);
      this.baseFailures = health.failures(now);
    }
    if (this.count++ === 0) this.#values = [ms];
    else this.#values.push(ms);
    (this.#sketch ??= new QuantileSketch(this.#relativeAccuracy)).accept(ms);
  }

  /** Writes the batch into the buckets it belongs to. */
  flush(rings: readonly Ring[]): void {
    const n = this.count;
    if (n === 0) return;
    const batch = this.#sketch!;
    for (const ring of rings) {
      const b = ring.at(this.#at);
      b.calls += n;
      b.successes += n;
      (b.latency ??= new QuantileSketch(this.#relativeAccuracy)).absorb(batch, this.#values);
    }
    this.count = 0;
    this.#values = NO_VALUES;
    this.#sketch = undefined;
  }
}
