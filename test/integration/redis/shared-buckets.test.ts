// Several workers (each its own ResilientClient, no shared memory) on one API key
// and one real Redis, on one simulated clock, against one organisation limit.
// Runs only with REDIS_URL set (vitest.config.ts).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResilientClient, type ResilientClientOptions } from '../../../src/index.js';
import { createRedisLimiter } from '../../../src/redis/index.js';
import { createFakeClock } from '../../../src/testing/index.js';
import { counted, driveAll, simulatedOrg } from './org-sim.js';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `${process.pid}-${Date.now()}`;
const MODEL = 'gpt-4.1';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(URL_);
});
afterAll(async () => {
  const keys = await redis.keys(`sb${run}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/**
 * `workers` clients, each sending one call at a time with `thinkMs` between
 * calls for `calls` calls, against an organisation allowing `rpm` per minute.
 */
async function storm(o: { workers: number; calls: number; thinkMs: number; rpm: number; shared: boolean; prefix: string; format?: 'openai' | 'anthropic' }) {
  const clock = createFakeClock();
  const org = simulatedOrg(clock, { rpm: o.rpm, latencyMs: 200, format: o.format ?? 'openai' });
  const c = counted(redis);
  const stores: string[] = [];
  const clients = Array.from({ length: o.workers }, () => {
    const options: ResilientClientOptions = { models: [MODEL], clock, monitor: false, random: () => 0.5, limits: { maxWaitMs: 120_000 } };
    const client = new ResilientClient(
      o.shared ? { ...options, shared: { limiter: (deps) => createRedisLimiter(c.redis, { maxWaitMs: 120_000 }, { ...deps, config: { prefix: o.prefix } }) } } : options,
    );
    client.on('store:degraded', (e) => stores.push(e.reason));
    return client;
  });
  let failed = 0;
  const worker = async (client: ResilientClient) => {
    for (let i = 0; i < o.calls; i++) {
      await client.run((ctx) => org.call(ctx)).catch(() => failed++);
      await new Promise<void>((r) => clock.setTimeout(r, o.thinkMs));
    }
  };
  await driveAll(clock, Promise.all(clients.map(worker)), c.inflight);
  for (const client of clients) client.dispose();
  return { ...org.stats, failed, scripts: c.calls(), degraded: stores };
}

describe('header-driven buckets shared on Redis', () => {
  it('4 workers, demand twice the organisation limit: shared buckets get no 429s and serve every call', async () => {
    const scenario = { workers: 4, calls: 100, thinkMs: 500, rpm: 120 };
    const local = await storm({ ...scenario, shared: false, prefix: `sb${run}:local:` });
    const shared = await storm({ ...scenario, shared: true, prefix: `sb${run}:shared:` });
    // Without sharing, each worker learns its share from the headers (what the others leave of the
    // limit); in this steady storm that also gets to no 429s. Shared buckets never do worse.
    expect(shared.throttled).toBe(0);
    expect(shared.throttled).toBeLessThanOrEqual(local.throttled);
    expect(shared.degraded).toEqual([]);
    // Every call is served (admission waits for the shared refill), with one script per admission
    // (plus, per process, one EVAL when the server did not know the script yet).
    expect(shared.ok).toBe(scenario.workers * scenario.calls);
    expect(shared.failed).toBe(0);
    expect(shared.scripts).toBeGreaterThanOrEqual(shared.ok);
    expect(shared.scripts).toBeLessThanOrEqual(shared.ok + 2 * scenario.workers);
  }, 60_000);

  it('8 workers on Anthropic headers (RFC 3339 resets, retry-after in seconds), demand three times the limit: none', async () => {
    const scenario = { workers: 8, calls: 40, thinkMs: 1_000, rpm: 120, format: 'anthropic' as const };
    const local = await storm({ ...scenario, shared: false, prefix: `sb${run}:alocal:` });
    const shared = await storm({ ...scenario, shared: true, prefix: `sb${run}:ashared:` });
    expect(shared).toMatchObject({ throttled: 0, failed: 0, ok: scenario.workers * scenario.calls, degraded: [] });
    expect(shared.throttled).toBeLessThanOrEqual(local.throttled);
  }, 60_000);

  it('8 workers with demand under the limit: nobody waits, nothing is refused', async () => {
    const r = await storm({ workers: 8, calls: 10, thinkMs: 10_000, rpm: 120, shared: true, prefix: `sb${run}:under:` });
    expect(r).toMatchObject({ ok: 80, throttled: 0, failed: 0 });
  }, 60_000);
});
