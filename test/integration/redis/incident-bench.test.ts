import { afterAll, describe, expect, it } from 'vitest';
import { CONTENDERS } from '../../../bench/incidents/contenders.js';
import { INCIDENTS } from '../../../bench/incidents/incidents.js';
import { closeRedisConnection, redisConnection, redisStore } from '../../../bench/incidents/redis.js';
import { runScenario } from '../../../bench/incidents/scenario.js';

/**
 * The incident bench's Redis rows: workers sharing the header-driven buckets on a
 * real Redis, driven on simulated time. The harness's invariants, not the library's figures.
 */
const url = process.env.REDIS_URL!;
afterAll(() => closeRedisConnection());

describe('incident bench on Redis', () => {
  const incident = INCIDENTS.find((i) => i.id === 'storm-10s-w4-redis')!;
  const ours = CONTENDERS.find((c) => c.id === 'ours')!;
  const run = async (tag: string) => {
    const redis = await redisConnection(url);
    const stored: string[] = [];
    const r = await runScenario({
      incident,
      contender: ours,
      minutes: 2,
      seed: 3,
      shared: (sim) => {
        const store = redisStore(redis, sim, `test:bench:${tag}:`);
        return { ...store, dispose: async () => (stored.push(...(await redis.keys(`test:bench:${tag}:*`))), store.dispose()) };
      },
    });
    return { r, stored, left: await redis.keys(`test:bench:${tag}:*`) };
  };

  it('shares the buckets through Redis on simulated time: every admission a round trip waited for, every call settled, the keys removed after', async () => {
    const { r, stored, left } = await run('a');
    expect(r.unsettled).toBe(0);
    expect(r.ioCount).toBeGreaterThan(r.calls.length / 2);
    // Simulated time waited for every answer: no admission outlived the store's timeout.
    expect(Object.keys(r.diagnostics).filter((k) => k.startsWith('store:'))).toEqual([]);
    expect(stored.some((k) => k.includes('buckets:'))).toBe(true);
    expect(left).toEqual([]);
  }, 60_000);

  it('replays exactly: the same requests on a second run', async () => {
    const a = await run('b');
    const b = await run('c');
    expect(b.r.requests).toEqual(a.r.requests);
    expect(b.r.ioCount).toBe(a.r.ioCount);
  }, 60_000);
});
