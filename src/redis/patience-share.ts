import type { Clock } from '../clock/clock.js';
import { PATIENCE_KEPT, PATIENCE_WINDOW_MS, type Patience, type PatienceShare } from '../client/patience.js';
import { runScript, script } from './health.js';
import type { RedisLike } from './types.js';

/**
 * The callers' aborts, shared by the processes that share their limits (decision 0066). One hash
 * per prefix, `<prefix>patience`: field `n` counts the aborts published, fields `e0`…`e31` hold
 * the latest {@link PATIENCE_KEPT} as `elapsed:at:n` (a ring, so the key stays bounded).
 * KEYS[1] the hash. ARGV: ttlMs, then elapsed and at ('' and '': read only).
 * Each publication renews the TTL: when callers stop aborting, the key goes with the figure.
 * Returns {n of this abort (0 when read only), the hash as field, value, …}.
 */
export const PATIENCE_SHARE = script(`
local k = KEYS[1]
local n = 0
if ARGV[2] ~= '' then
  n = redis.call('HINCRBY', k, 'n', 1)
  redis.call('HSET', k, 'e' .. (n % ${PATIENCE_KEPT}), ARGV[2] .. ':' .. ARGV[3] .. ':' .. n)
  redis.call('PEXPIRE', k, tonumber(ARGV[1]))
end
return {n, redis.call('HGETALL', k)}
`);

/** The others' aborts are read at most this often (a refused call or a call waiting by the figure asks). */
export const PATIENCE_PULL_MS = 1_000;

/**
 * {@link PatienceShare} on Redis. Publishes on aborts only (one round trip each, not awaited) and
 * reads at most once a second; every reply carries the hash, whose entries not seen before and not
 * this process's own are handed to the client's patience. A failed or late round trip changes
 * nothing but this: the next read waits a second.
 */
export class RedisPatienceShare implements PatienceShare {
  readonly #redis: RedisLike;
  readonly #clock: Clock;
  readonly #key: string;
  readonly #timeoutMs: number;
  /** The entries of the last reply (those of its hash are never handed over twice). */
  #seen = new Set<string>();
  /** The numbers of this process's own entries still in the hash. */
  #own = new Set<number>();
  #nextPull = -Infinity;

  constructor(redis: RedisLike, clock: Clock, config: { readonly prefix: string; readonly timeoutMs: number }) {
    this.#redis = redis;
    this.#clock = clock;
    this.#key = `${config.prefix}patience`;
    this.#timeoutMs = config.timeoutMs;
  }

  publish(elapsed: number, at: number, into: Patience): void {
    this.#run([String(elapsed), String(at)], into);
  }

  pull(now: number, into: Patience): void {
    if (now < this.#nextPull) return;
    this.#nextPull = now + PATIENCE_PULL_MS;
    this.#run(['', ''], into);
  }

  #run(entry: [string, string], into: Patience): void {
    runScript(this.#redis, this.#clock, this.#timeoutMs, PATIENCE_SHARE, [this.#key], [PATIENCE_WINDOW_MS, ...entry]).then(
      (reply) => this.#read(reply, into),
      () => {
        this.#nextPull = this.#clock.now() + PATIENCE_PULL_MS;
      },
    );
  }

  #read(reply: unknown, into: Patience): void {
    if (!Array.isArray(reply) || !Array.isArray(reply[1])) return;
    const mine = Number(reply[0]);
    if (mine > 0) this.#own.add(mine);
    const flat = reply[1] as unknown[];
    const seen = new Set<string>();
    const own = new Set<number>();
    const heard: [number, number][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      if (String(flat[i]) === 'n') continue;
      const value = String(flat[i + 1]);
      seen.add(value);
      const [elapsed, at, n] = value.split(':').map(Number) as [number, number, number];
      if (this.#own.has(n)) own.add(n);
      else if (!this.#seen.has(value) && Number.isFinite(elapsed) && Number.isFinite(at)) heard.push([elapsed, at]);
    }
    this.#seen = seen;
    this.#own = own;
    if (heard.length > 0) into.heard(heard, this.#clock.now());
  }
}
