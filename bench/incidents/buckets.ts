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

  take(amount: number, now: number): void {
    this.refill(now);
    this.level -= Math.min(amount, this.capacity);
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

/**
 * One model's limits. The minute buckets are what the headers describe. With
 * `windowMs` below a minute the provider also enforces limit × window/60 s per
 * window (a second pair of buckets), which the headers do not show.
 */
export class ModelLimits {
  readonly requests: TokenBucket;
  readonly tokens: TokenBucket;
  private readonly short: { requests: TokenBucket; tokens: TokenBucket } | undefined;

  constructor(
    readonly rpm: number,
    readonly tpm: number,
    windowMs: number,
    now: number,
  ) {
    this.requests = new TokenBucket(rpm, rpm, now);
    this.tokens = new TokenBucket(tpm, tpm, now);
    if (windowMs < 60_000) {
      const f = windowMs / 60_000;
      this.short = { requests: new TokenBucket(Math.max(1, rpm * f), rpm, now), tokens: new TokenBucket(tpm * f, tpm, now) };
    }
  }

  /** Ms until a request weighing `tokens` fits every bucket, and which dimension binds. */
  waitFor(tokens: number, now: number): { ms: number; dimension: 'requests' | 'tokens' } {
    let ms = this.requests.waitFor(1, now);
    let dimension: 'requests' | 'tokens' = 'requests';
    const consider = (wait: number, d: 'requests' | 'tokens') => {
      if (wait > ms) {
        ms = wait;
        dimension = d;
      }
    };
    consider(this.tokens.waitFor(tokens, now), 'tokens');
    if (this.short) {
      consider(this.short.requests.waitFor(1, now), 'requests');
      consider(this.short.tokens.waitFor(tokens, now), 'tokens');
    }
    return { ms, dimension };
  }

  take(tokens: number, now: number): void {
    this.requests.take(1, now);
    this.tokens.take(tokens, now);
    this.short?.requests.take(1, now);
    this.short?.tokens.take(tokens, now);
  }

  /** OpenAI's rate-limit headers for the minute buckets, as of `now`. */
  headers(now: number): Record<string, string> {
    return {
      'x-ratelimit-limit-requests': String(this.rpm),
      'x-ratelimit-limit-tokens': String(this.tpm),
      'x-ratelimit-remaining-requests': String(Math.max(0, Math.floor(this.requests.available(now)))),
      'x-ratelimit-remaining-tokens': String(Math.max(0, Math.floor(this.tokens.available(now)))),
      'x-ratelimit-reset-requests': goDuration(this.requests.untilFull(now)),
      'x-ratelimit-reset-tokens': goDuration(this.tokens.untilFull(now)),
    };
  }
}
