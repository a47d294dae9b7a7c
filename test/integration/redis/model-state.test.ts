// A long-running process whose callers name many models, with the rate limit on a real Redis:
// what this process keeps per model is forgotten with the rest of an idle model's state.
// Runs only with REDIS_URL set (vitest.config.ts).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EXTRA_MODELS } from '../../../src/client/client.js';
import { ResilientClient } from '../../../src/index.js';
import { createRedisLimiter } from '../../../src/redis/index.js';
import { createFakeClock } from '../../../src/testing/index.js';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `${process.pid}-${Date.now()}`;

let redis: Redis;
beforeAll(() => {
  redis = new Redis(URL_);
});
afterAll(async () => {
  const keys = [...(await redis.keys(`ms${run}*`)), ...(await redis.keys(`b_ms${run}*`))];
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('per-model admission state on Redis', () => {
  it('is kept for at most the bound of idle models, configured models never forgotten', async () => {
    const clock = createFakeClock();
    const limits = { default: { maxConcurrent: 4, requestsPerMinute: 100_000 } };
    const client = new ResilientClient({
      models: ['configured'],
      clock,
      monitor: false,
      limits,
      shared: { limiter: (deps) => createRedisLimiter(redis, limits, { ...deps, config: { prefix: `ms${run}:` } }) },
    });
    const headers = { 'x-ratelimit-limit-requests': '10000', 'x-ratelimit-remaining-requests': '9999', 'x-ratelimit-reset-requests': '6ms' };
    const call = (model: string) => client.run((ctx) => (ctx.reportHeaders(headers), 'ok'), { models: [model] });
    expect(await call('configured')).toBe('ok');
    for (let i = 0; i < MAX_EXTRA_MODELS + 50; i++) expect(await call(`caller-model-${i}`)).toBe('ok');
    const limitsSnap = client.snapshot().limits;
    expect(Object.keys(limitsSnap)).toHaveLength(MAX_EXTRA_MODELS + 1);
    expect(limitsSnap['caller-model-0']).toBeUndefined();
    expect(limitsSnap.configured).toBeDefined();
    expect(limitsSnap[`caller-model-${MAX_EXTRA_MODELS + 49}`]).toBeDefined();
    // A forgotten model comes back with fresh state: it is admitted again.
    expect(await call('caller-model-0')).toBe('ok');
    client.dispose();
  }, 60_000);
});
