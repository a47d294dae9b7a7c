import { type Clock, type RandomSource, systemRandom } from '../clock/clock.js';
import { PATIENCE_KEPT, PATIENCE_WINDOW_MS, type Patience, type PatienceShare } from '../client/patience.js';
import { runScript, script } from './health.js';
import { randomId } from './options.js';
import type { RedisLike } from './types.js';

/**
 * The callers' aborts, shared by the processes that share their limits (decision 0066). One hash
 * per prefix, `<prefix>patience`: field `n` counts the aborts published, fields `e0`…`e31` hold
 * the latest {@link PATIENCE_KEPT} as `elapsed:at:n:id` (a ring, so the key stays bounded; `id`
 * the publisher's), `s:<id>` the seq of each publisher's last publication run here and `t` the
 * highest of them.
 * KEYS[1] the hash. ARGV: ttlMs, then elapsed, at, id and seq ('' and '' for elapsed and at: read only).
 * Each publication renews the TTL: when callers stop aborting, the key goes with the figure.
 * Once only (decision 0071): a publication whose seq is not above its publisher's mark (sent again by
 * the Redis client after a reconnect, or arriving after a later one of its publisher), or older than
 * the window (below t − ttlMs × 1000: its mark may be gone), changes nothing and returns {-1}. A
 * publisher new here (no mark) first deletes the marks of publishers silent here for longer than the
 * window, so the hash holds the marks of the publishers of the last ten minutes.
 * Returns {n of this abort (0 when read only), the ring's entries (nil where none)}.
 */
export const PATIENCE_SHARE = script(`
local k, ttl = KEYS[1], tonumber(ARGV[1])
local n = 0
if ARGV[2] ~= '' then
  local sf, seq = 's:' .. ARGV[4], tonumber(ARGV[5])
  local m = redis.call('HMGET', k, sf, 't')
  local top = tonumber(m[2]) or -1
  local cut = math.max(top, seq) - ttl * 1000
  if seq <= (tonumber(m[1]) or -1) or seq < cut then return {-1} end
  if not m[1] then
    local all = redis.call('HGETALL', k)
    for i = 1, #all, 2 do
      if string.sub(all[i], 1, 2) == 's:' and tonumber(all[i + 1]) < cut then redis.call('HDEL', k, all[i]) end
    end
  end
  n = redis.call('HINCRBY', k, 'n', 1)
  redis.call('HSET', k, 'e' .. (n % ${PATIENCE_KEPT}), ARGV[2] .. ':' .. ARGV[3] .. ':' .. n .. ':' .. ARGV[4], sf, ARGV[5], 't', seq > top and ARGV[5] or m[2])
  redis.call('PEXPIRE', k, ttl)
end
return {n, redis.call('HMGET', k, ${Array.from({ length: PATIENCE_KEPT }, (_, i) => `'e${i}'`).join(', ')})}
`);

/** The others' aborts are read at most this often (a refused call or a call waiting by the figure asks). */
export const PATIENCE_PULL_MS = 1_000;

/**
 * {@link PatienceShare} on Redis. Publishes on aborts only (one round trip each, not awaited) and
 * reads at most once a second; every reply carries the ring, whose entries not seen before and not
 * this process's own (its id) are handed to the client's patience. A failed or late round trip
 * changes nothing but this: the next read waits a second. Each publication runs once: it carries
 * this share's id and a sequence the script refuses when it is not above the last one it ran for
 * this share (a command the Redis client sent again after a reconnect: the same abort twice).
 */
export class RedisPatienceShare implements PatienceShare {
  readonly #redis: RedisLike;
  readonly #clock: Clock;
  readonly #key: string;
  readonly #timeoutMs: number;
  readonly #id: string;
  #seq = 0;
  /** The entries of the last reply (those of its ring are never handed over twice). */
  #seen = new Set<string>();
  #nextPull = -Infinity;

  constructor(redis: RedisLike, clock: Clock, config: { readonly prefix: string; readonly timeoutMs: number }, random: RandomSource = systemRandom) {
    this.#redis = redis;
    this.#clock = clock;
    this.#key = `${config.prefix}patience`;
    this.#timeoutMs = config.timeoutMs;
    this.#id = randomId(random);
  }

  publish(elapsed: number, at: number, into: Patience): void {
    // A thousand per ms of the clock at least: the script can tell a publication older than its window.
    this.#seq = Math.max(this.#seq + 1, Math.floor(this.#clock.now()) * 1_000);
    this.#run([String(elapsed), String(at), this.#id, this.#seq], into);
  }

  pull(now: number, into: Patience): void {
    if (now < this.#nextPull) return;
    this.#nextPull = now + PATIENCE_PULL_MS;
    this.#run(['', ''], into);
  }

  #run(entry: (string | number)[], into: Patience): void {
    runScript(this.#redis, this.#clock, this.#timeoutMs, PATIENCE_SHARE, [this.#key], [PATIENCE_WINDOW_MS, ...entry]).then(
      (reply) => this.#read(reply, into),
      () => {
        this.#nextPull = this.#clock.now() + PATIENCE_PULL_MS;
      },
    );
  }

  #read(reply: unknown, into: Patience): void {
    if (!Array.isArray(reply) || !Array.isArray(reply[1])) return;
    const seen = new Set<string>();
    const heard: [number, number][] = [];
    for (const value of reply[1] as unknown[]) {
      if (typeof value !== 'string') continue; // a ring slot not yet written
      seen.add(value);
      const [elapsed, at, , id] = value.split(':');
      if (id !== this.#id && !this.#seen.has(value)) {
        const [e, a] = [Number(elapsed), Number(at)];
        if (Number.isFinite(e) && Number.isFinite(a)) heard.push([e, a]);
      }
    }
    this.#seen = seen;
    if (heard.length > 0) into.heard(heard, this.#clock.now());
  }
}
