/**
 * A quantile sketch with relative accuracy: the DDSketch algorithm (Masson,
 * Rim and Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
 * relative-error guarantees", VLDB 2019), written for what the monitor needs.
 *
 * A value v > 0 falls in the bin i = ⌈log_γ v⌉, that is (γ^(i−1), γ^i], with
 * γ = (1 + α) / (1 − α); a quantile is answered with its bin's representative
 * 2γ^i / (γ + 1), within a relative error α of the true value. Values too small
 * to bin (0 ms on a fake clock) are counted apart and answered as 0.
 *
 * Why our own instead of a package: the monitor keeps a sketch per bucket of
 * every window, most holding a handful of samples. Bins here are one dense
 * array that starts at the first value's bin and grows only as far as the
 * values spread, so a sketch of a few latencies costs a few numbers, and
 * importing it costs nothing (decision record 0012).
 */
const MIN_BINNED = 1e-9;

interface Mapping {
  readonly relativeAccuracy: number;
  readonly gamma: number;
  readonly multiplier: number;
}

// One per accuracy in use (a monitor has one); the empty bins every new sketch starts with, never written.
const MAPPINGS = new Map<number, Mapping>();
const NO_BINS: number[] = Object.freeze([]) as unknown as number[];

function mapping(relativeAccuracy: number): Mapping {
  let m = MAPPINGS.get(relativeAccuracy);
  if (!m) {
    const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    m = Object.freeze({ relativeAccuracy, gamma, multiplier: 1 / Math.log(gamma) });
    // Bounded: accuracies come from options; past a few, stop caching.
    if (MAPPINGS.size < 16) MAPPINGS.set(relativeAccuracy, m);
  }
  return m;
}

export class QuantileSketch {
  /** Number of values accepted. */
  count = 0;
  /** Sum of the values accepted. */
  sum = 0;
  /** Smallest value accepted (Infinity when empty). */
  min = Number.POSITIVE_INFINITY;
  /** Largest value accepted (−Infinity when empty). */
  max = Number.NEGATIVE_INFINITY;
  /** γ and 1 / ln γ of this accuracy, shared by every sketch of it: a sketch per bucket need not hold its own. */
  readonly #map: Mapping;
  #zeros = 0;
  /** Bin index of `#bins[0]`. */
  #offset = 0;
  /** Empty until the first binned value, then sized to the values' spread. */
  #bins: number[] = NO_BINS;

  constructor(relativeAccuracy = 0.01) {
    this.#map = mapping(relativeAccuracy);
  }

  get relativeAccuracy(): number {
    return this.#map.relativeAccuracy;
  }

  /** Adds one value (negative values count as 0: latencies are never negative). */
  accept(value: number): void {
    this.acceptInBin(value, this.binOf(value));
  }

  /**
   * The bin `value` falls in (NaN for a value too small to bin). Sketches of the
   * same relative accuracy share bins: a value recorded in several of them (one
   * per window) is binned once, a logarithm saved per extra sketch.
   */
  binOf(value: number): number {
    return value > MIN_BINNED ? Math.ceil(Math.log(value) * this.#map.multiplier) : Number.NaN;
  }

  /** Adds `value` whose bin, from {@link binOf} on a sketch of the same relative accuracy, is `bin`. */
  acceptInBin(value: number, bin: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (Number.isNaN(bin)) {
      this.#zeros++;
      return;
    }
    this.#add(bin, 1);
  }

  /** Adds every value of `other` (same relative accuracy). */
  merge(other: QuantileSketch): void {
    if (other.count === 0) return;
    if (other.relativeAccuracy !== this.relativeAccuracy) throw new RangeError('cannot merge sketches of different relative accuracy');
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    this.#zeros += other.#zeros;
    const bins = other.#bins;
    for (let j = 0; j < bins.length; j++) if (bins[j]! > 0) this.#add(other.#offset + j, bins[j]!);
  }

  /**
   * Adds every value of `batch`, a sketch of `values` (the same values, in the order it accepted them),
   * exactly as accepting each value here would: the sum is added value by value, so it is the same number.
   */
  absorb(batch: QuantileSketch, values: readonly number[]): void {
    if (batch.count === 0) return;
    if (batch.relativeAccuracy !== this.relativeAccuracy) throw new RangeError('cannot merge sketches of different relative accuracy');
    this.count += batch.count;
    for (let i = 0; i < values.length; i++) this.sum += values[i]!;
    if (batch.min < this.min) this.min = batch.min;
    if (batch.max > this.max) this.max = batch.max;
    this.#zeros += batch.#zeros;
    const bins = batch.#bins;
    for (let j = 0; j < bins.length; j++) if (bins[j]! > 0) this.#add(batch.#offset + j, bins[j]!);
  }

  /** The value at quantile `q` in [0, 1], within the relative accuracy; NaN when empty. */
  getValueAtQuantile(q: number): number {
    if (this.count === 0 || !(q >= 0 && q <= 1)) return Number.NaN;
    const rank = q * (this.count - 1);
    let seen = this.#zeros;
    if (seen > rank) return 0;
    const bins = this.#bins;
    for (let j = 0; j < bins.length; j++) {
      seen += bins[j]!;
      if (seen > rank) return this.#value(this.#offset + j);
    }
    return this.#value(this.#offset + bins.length - 1);
  }

  #value(index: number): number {
    const g = this.#map.gamma;
    return (2 * g ** index) / (g + 1);
  }

  #add(index: number, n: number): void {
    const bins = this.#bins;
    if (bins.length === 0) {
      // One element, not a grown array's spare capacity: most bucket sketches hold a handful of close values.
      this.#offset = index;
      this.#bins = [n];
      return;
    }
    if (index < this.#offset) {
      // Rare (a value smaller than every one before): shift once by the gap.
      this.#bins = [n, ...new Array<number>(this.#offset - index - 1).fill(0), ...bins];
      this.#offset = index;
      return;
    }
    const j = index - this.#offset;
    while (bins.length <= j) bins.push(0);
    bins[j]! += n;
  }
}
