import { afterAll, describe, expect, it } from 'vitest';
import { CONTENDERS } from '../../../bench/incidents/contenders.js';
import { FULL_MINUTES, INCIDENTS } from '../../../bench/incidents/incidents.js';
import { closeRedisConnection, redisConnection, redisStore } from '../../../bench/incidents/redis.js';
import { runScenario } from '../../../bench/incidents/scenario.js';

/**
 * The README's quick start (`client.run`, no request: admission weighs its calls from
 * learned usage) with workers sharing the buckets on a real Redis, in Anthropic's format,
 * where the output-token window is the tightest and the provider holds `max_tokens` while
 * an answer is written. The two replays that still got 429s when a call without a
 * request weighed its output at a typical answer (4 and 5 per run).
 */
const url = process.env.REDIS_URL!;
afterAll(() => closeRedisConnection());

describe('the quick start on Redis, 10-s windows, Anthropic format', () => {
  const quickstart = CONTENDERS.find((c) => c.id === 'ours-quickstart')!;
  const cases = [
    { id: 'storm-10s-w16-redis-anthropic', seed: 1 },
    { id: 'storm-10s-w4-redis-anthropic', seed: 2 },
  ];
  for (const { id, seed } of cases) {
    it(`${id}, seed ${seed}: no request comes back 429, every call settles`, async () => {
      const redis = await redisConnection(url);
      const tag = `test:qs:${id}:${seed}:${process.pid}:`;
      const r = await runScenario({
        incident: INCIDENTS.find((i) => i.id === id)!,
        contender: quickstart,
        minutes: FULL_MINUTES,
        seed,
        shared: (sim) => redisStore(redis, sim, tag),
      });
      expect(r.unsettled).toBe(0);
      expect(r.requests.length).toBeGreaterThan(2_000);
      expect(r.requests.filter((q) => q.outcome === 'rate_limited')).toEqual([]);
    }, 180_000);
  }
});
