/**
 * The simulated provider's rate-limit arithmetic: continuously refilling token
 * buckets (OpenAI's model: a per-minute limit that refills at limit/60 per
 * second) and the header formats that describe them.
 */

export class TokenBucket {
  private level: number;
  private at: number;
  /** Units per ms. */
  readonly rate: number;

  constructor(
    readonly capacity: number,
    perMinute: number,
    now: number,
  ) {
    this.level = capacity;
    this.at = now;
    this.rate = perMinute / 60_000;
  }

  private refill(now: number): void {
    if (now > this.at) {
      this.level = Math.min(this.capacity, this.level + (now - this.at) * this.rate);
      this.at = now;
    }
  }

  available(now: number): number {
    this.refill(now);
    return this.level;
  }

  /** Ms until `amount` is available (0 when it is now). A request larger than the bucket waits for a full bucket. */
  waitFor(amount: number, now: number): number {
    this.refill(now);
    const need = Math.min(amount, this.capacity) - this.level;
    return need <= 0 ? 0 : need / this.rate;
  }

  /** Takes `amount` (a negative amount gives back, up to a full bucket). */
  take(amount: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.capacity, this.level - Math.min(amount, this.capacity));
  }

  /** Ms until the bucket is full again: what OpenAI's `x-ratelimit-reset-*` reports. */
  untilFull(now: number): number {
    this.refill(now);
    return (this.capacity - this.level) / this.rate;
  }
}

/** A Go `time.Duration` string as OpenAI sends it: `12ms`, `1s`, `6m0s`, `1h2m3.5s`. */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = (total % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

/** A request's weight for the limits: prompt tokens as counted, and `max_tokens`. */
export interface Weight {
  readonly input: number;
  readonly output: number;
}

/** A limited dimension, named as in the provider's headers. */
export type Dimension = 'requests' | 'tokens' | 'input-tokens' | 'output-tokens';

/** Units of `dim` a request of `w` takes: OpenAI counts prompt + `max_tokens` as tokens; Anthropic input and output apart. */
export const unitsOf = (dim: Dimension, w: Weight): number =>
  dim === 'requests' ? 1 : dim === 'tokens' ? w.input + w.output : dim === 'input-tokens' ? w.input : w.output;

interface Dim {
  readonly name: Dimension;
  readonly limit: number;
  readonly minute: TokenBucket;
  readonly short: TokenBucket | undefined;
}

/**
 * One model's limits, per dimension. The minute buckets are what the headers
 * describe. With `windowMs` below a minute the provider also enforces
 * limit × window/60 s per window (a second bucket per dimension), which the
 * headers do not show.
 */
export class ModelLimits {
  readonly dims: readonly Dim[];

  constructor(limits: Partial<Record<Dimension, number>>, windowMs: number, now: number) {
    const f = windowMs / 60_000;
    this.dims = Object.entries(limits).map(([name, limit]) => ({
      name: name as Dimension,
      limit: limit!,
      minute: new TokenBucket(limit!, limit!, now),
      short: windowMs < 60_000 ? new TokenBucket(name === 'requests' ? Math.max(1, limit! * f) : limit! * f, limit!, now) : undefined,
    }));
  }

  dim(name: Dimension): Dim | undefined {
    return this.dims.find((d) => d.name === name);
  }

  /** Ms until a request of `w` fits every bucket, and which dimension binds. */
  waitFor(w: Weight, now: number): { ms: number; dimension: Dimension } {
    let ms = 0;
    let dimension: Dimension = 'requests';
    for (const d of this.dims) {
      const units = unitsOf(d.name, w);
      const wait = Math.max(d.minute.waitFor(units, now), d.short?.waitFor(units, now) ?? 0);
      if (wait > ms) {
        ms = wait;
        dimension = d.name;
      }
    }
    return { ms, dimension };
  }

  take(w: Weight, now: number): void {
    for (const d of this.dims) {
      const units = unitsOf(d.name, w);
      d.minute.take(units, now);
      d.short?.take(units, now);
    }
  }

  /** Gives back `amount` of `dim` (Anthropic: output reserved as `max_tokens` but not generated). */
  refund(name: Dimension, amount: number, now: number): void {
    const d = this.dim(name);
    if (!d || amount <= 0) return;
    d.minute.take(-amount, now);
    d.short?.take(-amount, now);
  }

  /** Units left in the minute bucket of `dim`, floored. */
  remaining(name: Dimension, now: number): number {
    const d = this.dim(name);
    return d ? Math.max(0, Math.floor(d.minute.available(now))) : 0;
  }
}
