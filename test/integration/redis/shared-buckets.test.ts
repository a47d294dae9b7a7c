// Several workers (each its own ResilientClient, no shared memory) on one API key
// and one real Redis, on one simulated clock, against one organisation limit.
// Runs only with REDIS_URL set (vitest.config.ts).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResilientClient, type ResilientClientOptions } from '../../../src/index.js';
import { RedisBucketStore, type SharedAdmission } from '../../../src/redis/bucket-store.js';
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
async function storm(o: { workers: number; calls: number; thinkMs: number; rpm: number; shared: boolean; prefix: string; format?: 'openai' | 'anthropic'; windowMs?: number }) {
  const clock = createFakeClock();
  const org = simulatedOrg(clock, { rpm: o.rpm, latencyMs: 200, format: o.format ?? 'openai', ...(o.windowMs ? { windowMs: o.windowMs } : {}) });
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

  it('8 workers, limits enforced over 10-s windows the headers do not show: calls wait for a 10-s window’s part of the burst, none is refused', async () => {
    // The organisation allows 120 a minute but only 20 per 10 s; the headers describe the minute.
    const scenario = { workers: 8, calls: 30, thinkMs: 1_000, rpm: 120, windowMs: 10_000 };
    const shared = await storm({ ...scenario, shared: true, prefix: `sb${run}:win:` });
    // A burst beyond a 10-s window's part of the limit is taken only after a call would have
    // waited 10 s for that part; here the queue never gets that long, so no window is overrun.
    expect(shared).toMatchObject({ throttled: 0, failed: 0, ok: scenario.workers * scenario.calls, degraded: [] });
    const hash = await redis.hgetall(`sb${run}:win:buckets:${MODEL}`);
    expect(hash.bf).toBeUndefined(); // nothing to learn: no window was overrun
  }, 60_000);

  it('8 workers, limits enforced over 5-s windows: one 429 teaches every process a smaller burst', async () => {
    // 120 a minute, 10 per 5 s: narrower than the part a call takes without waiting.
    const scenario = { workers: 8, calls: 30, thinkMs: 1_000, rpm: 120, windowMs: 5_000 };
    const shared = await storm({ ...scenario, shared: true, prefix: `sb${run}:win5:` });
    // The first burst meets the hidden window once (the calls in flight then, at most one per
    // worker, come back 429 together); from then on every process's burst is the learnt one.
    expect(shared.throttled).toBeGreaterThan(0);
    expect(shared.throttled).toBeLessThanOrEqual(scenario.workers);
    expect(shared).toMatchObject({ failed: 0, ok: scenario.workers * scenario.calls, degraded: [] });
    const hash = await redis.hgetall(`sb${run}:win5:buckets:${MODEL}`);
    expect(Number(hash.bf)).toBeGreaterThan(0);
    expect(Number(hash.bf)).toBeLessThanOrEqual(10 / 120);
  }, 60_000);

  it('8 workers with demand under the limit: nobody waits, nothing is refused', async () => {
    const r = await storm({ workers: 8, calls: 10, thinkMs: 10_000, rpm: 120, shared: true, prefix: `sb${run}:under:` });
    expect(r).toMatchObject({ ok: 80, throttled: 0, failed: 0 });
  }, 60_000);
});

describe('the bucket script on Redis: a 429 the headers did not explain', () => {
  const clock = createFakeClock();
  const reading = (remaining: number, limit: number, at: number) => ({ remaining, limit, observedAt: at });
  const admit = (store: RedisBucketStore, now: number, extra: Partial<SharedAdmission> = {}) =>
    store.admit(MODEL, { now, maxWaitMs: 0, dims: { requests: { take: 1, need: 1 }, tokens: { take: 100, need: 100 } }, ...extra });

  it('shrinks the shared burst to the share its headers showed used, empties only the dimension named, and cuts once per burst', async () => {
    const store = new RedisBucketStore(redis, clock, { prefix: `sb${run}:cut:`, timeoutMs: 5_000 });
    const t0 = 1_000_000;
    await admit(store, t0, { dims: { requests: { take: 1, need: 1, reading: reading(100, 100, t0) }, tokens: { take: 100, need: 100, reading: reading(10_000, 10_000, t0) } } });
    const before = await admit(store, t0 + 1);
    expect(before.burst).toBe(1);
    expect(before.dims.requests).toMatchObject({ capacity: 100 });
    // 17 requests used of 100 when the 429 came: the hidden window held about that much.
    const cut = await admit(store, t0 + 2, { cutAt: t0 + 2, cutDim: 'requests', cutTo: 0.16 });
    expect(cut.burst).toBeCloseTo(0.16, 6);
    expect(cut.taken).toBe(false);
    expect(cut.dims.requests!.level).toBeLessThanOrEqual(0);
    expect(cut.dims.requests!.capacity).toBeCloseTo(16, 6);
    expect(cut.dims.tokens!.level).toBeGreaterThan(1_000); // its own short window need not be empty
    // Other 429s of the same burst (within a second) change nothing; a later one halves again.
    const same = await admit(store, t0 + 500, { cutAt: t0 + 400, cutDim: 'requests', cutTo: 0.1 });
    expect(same.burst).toBeCloseTo(0.16, 6);
    const later = await admit(store, t0 + 5_000, { cutAt: t0 + 5_000, cutDim: 'requests', cutTo: 0.5 });
    expect(later.burst).toBeCloseTo(0.08, 6);
    // The refill rate stays the limit's: 100 a minute, one every 600 ms, up to the smaller capacity.
    const full = await admit(store, t0 + 120_000);
    expect(full.dims.requests!.level).toBeCloseTo(8 - 1, 6);
  });

  it('never below 1/16 of the limit, and a look (maxWaitMs -1) reports a cut without taking', async () => {
    const store = new RedisBucketStore(redis, clock, { prefix: `sb${run}:floor:`, timeoutMs: 5_000 });
    const t0 = 2_000_000;
    await admit(store, t0, { dims: { requests: { take: 1, need: 1, reading: reading(100, 100, t0) } } });
    const look = await store.admit(MODEL, { now: t0 + 10, maxWaitMs: -1, dims: { requests: { take: 0, need: 0 } }, cutAt: t0 + 10, cutDim: 'requests', cutTo: 0 });
    expect(look.taken).toBe(false);
    expect(look.burst).toBeCloseTo(1 / 16, 6);
  });
});

describe('the bucket script on Redis: a 10-s window’s part of the burst', () => {
  const clock = createFakeClock();
  const reading = (remaining: number, limit: number, at: number) => ({ remaining, limit, observedAt: at });
  const admit = (store: RedisBucketStore, now: number, extra: Partial<SharedAdmission> = {}) =>
    store.admit(MODEL, { now, maxWaitMs: 0, dims: { requests: { take: 1, need: 1 } }, ...extra });

  it('a call that can go elsewhere (keep) takes only from the first sixth of the burst; one that cannot waits up to 10 s for it, else takes from the rest', async () => {
    const store = new RedisBucketStore(redis, clock, { prefix: `sb${run}:part:`, timeoutMs: 5_000 });
    const t0 = 3_000_000;
    let taken = 0;
    const first = await admit(store, t0, { keep: true, dims: { requests: { take: 1, need: 1, reading: reading(100, 100, t0) } } });
    if (first.taken) taken++;
    for (let i = 0; i < 30; i++) if ((await admit(store, t0, { keep: true })).taken) taken++;
    // 100 a minute: a 10-s window holds 16.7 of them.
    expect(taken).toBe(16);
    // No other model to go to: the call waits for that part to refill (one every 600 ms)…
    const waits: number[] = [];
    for (let i = 0; i < 18; i++) waits.push((await admit(store, t0, { maxWaitMs: 60_000 })).waitMs);
    expect(waits.slice(0, 3).map((ms) => Math.floor(ms / 100) * 100)).toEqual([200, 800, 1_400]); // whole ms, rounded up
    expect(Math.floor(waits[16]! / 100) * 100).toBe(9_800);
    // …and once that wait would pass 10 s, takes from the rest of the burst (the minute the headers show) at once.
    expect(waits[17]).toBe(0);
    const after = await admit(store, t0, { maxWaitMs: -1, dims: { requests: { take: 0, need: 0 } } });
    expect(after.dims.requests!.level).toBeCloseTo(100 - 16 - 18, 6);
  });

  it('a smaller burst another model of the caller’s learnt caps this one’s, without emptying it, and stays', async () => {
    const store = new RedisBucketStore(redis, clock, { prefix: `sb${run}:most:`, timeoutMs: 5_000 });
    const t0 = 4_000_000;
    await admit(store, t0, { dims: { requests: { take: 1, need: 1, reading: reading(100, 100, t0) } } });
    const capped = await admit(store, t0 + 1, { burstAtMost: 0.25 });
    expect(capped.burst).toBeCloseTo(0.25, 6);
    expect(capped.taken).toBe(true);
    expect(capped.dims.requests).toMatchObject({ capacity: 25 });
    expect(capped.dims.requests!.level).toBeCloseTo(24, 6);
    // Kept for every process; a larger cap does not raise it.
    const later = await admit(store, t0 + 2, { burstAtMost: 0.5 });
    expect(later.burst).toBeCloseTo(0.25, 6);
    const plain = await admit(store, t0 + 3);
    expect(plain.burst).toBeCloseTo(0.25, 6);
  });
});
