// The real Redis behind a RedisLike that keeps the scripts sent, for the once-only suites: `again(i)`
// sends the i-th once more (as ioredis sends a command left unanswered again after it reconnects);
// `hold` keeps the next ones unsent (stuck in the client's queue).
import type { Redis } from 'ioredis';
import type { RedisLike } from '../../../src/redis/types.js';

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
