// The real Redis for the suites here. `suiteRedis(name)` connects before the suite and, after it,
// deletes every key under the suite's own prefix (bottleneck's too, which put `b_` in front) and
// disconnects. `Tap`, for the once-only suites: a RedisLike that keeps the scripts sent; `again(i)`
// sends the i-th once more (as ioredis sends a command left unanswered again after it reconnects);
// `hold` keeps the next ones unsent (stuck in the client's queue).
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { RedisLike } from '../../../src/redis/types.js';

/** One suite's connection and key prefix (`<name><pid>-<ms>`, unique per run). */
export function suiteRedis(name: string): { readonly prefix: string; readonly redis: () => Redis } {
  const prefix = `${name}${process.pid}-${Date.now()}`;
  let redis: Redis | undefined;
  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    if (!redis) return;
    const keys = [...(await redis.keys(`${prefix}*`)), ...(await redis.keys(`b_${prefix}*`))];
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  return {
    prefix,
    redis: () => {
      if (!redis) throw new Error('suiteRedis: used outside the suite (before beforeAll ran)');
      return redis;
    },
  };
}

export class Tap implements RedisLike {
  readonly sent: [string, number, ...(string | number)[]][] = [];
  hold = false;
  readonly #redis: () => Redis;
  constructor(redis: () => Redis) {
    this.#redis = redis;
  }
  get status() {
    return this.#redis().status;
  }
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    this.sent.push([sha, numKeys, ...args]);
    if (this.hold) return new Promise(() => {});
    return this.#redis().evalsha(sha, numKeys, ...args);
  }
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    return this.#redis().eval(script, numKeys, ...args);
  }
  again(i: number): Promise<unknown> {
    const [sha, numKeys, ...args] = this.sent[i]!;
    return this.#redis().evalsha(sha, numKeys, ...args);
  }
}
