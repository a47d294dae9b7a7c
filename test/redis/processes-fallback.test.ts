import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisLimiter } from '../../src/redis/index.js';
import { createFakeClock } from '../../src/testing/index.js';

/** How many calls the limiter admits at once (a release, not a wait), up to `most`. */
function admittedAtOnce(limiter: ReturnType<typeof createRedisLimiter>, most: number): number {
  for (let n = 0; n < most; n++) {
    const r = limiter.admit('m');
    if (typeof r !== 'function') {
      (r as Promise<unknown>).catch(() => {}); // left waiting; the limiter's dispose ends it
      return n;
    }
  }
  return most;
}

describe('limits.processes with createRedisLimiter', () => {
  // A connection that has ended: the limiter admits by its local limits, as while Redis is out of reach.
  const ended = () => {
    const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    redis.disconnect();
    return redis;
  };

  it.each([
    [undefined, 60],
    [4, 15],
  ])('while Redis is out of reach, processes %s admits %i of a configured 60 a minute at once', (processes, expected) => {
    const clock = createFakeClock();
    const redis = ended();
    const limiter = createRedisLimiter(redis, { respectHeaders: false, ...(processes ? { processes } : {}), models: { m: { requestsPerMinute: 60 } } }, { clock });
    try {
      expect(redis.status).toBe('end');
      expect(admittedAtOnce(limiter, 100)).toBe(expected);
    } finally {
      limiter.dispose();
    }
  });
});
