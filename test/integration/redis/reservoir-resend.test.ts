// What bottleneck's reservoirs (the limits you configure, shared on Redis) do with a command ioredis sends
// again after a reconnect, on a real Redis: the connection drops after the command ran and before its
// answer is read (a proxy loses that answer), ioredis reconnects and sends the command again. Pins the
// exposure documented in docs/distributed.md (decision 0076). Runs only with REDIS_URL set (vitest.config.ts).
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisLimiterOptions } from '../../../src/redis/reservoirs.js';
import { bottleneckSha, cutProxy } from './cut.js';
import { suiteRedis } from './tap.js';

const { prefix: run, redis } = suiteRedis('resend');
let proxy: Awaited<ReturnType<typeof cutProxy>>;
beforeAll(async () => {
  proxy = await cutProxy(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});
afterAll(() => proxy.close());

async function reservoir(name: string, unit: 'requests' | 'tokens', limits: { maxConcurrent?: number; perMinute: number }) {
  const client = new Redis(proxy.port, '127.0.0.1', { retryStrategy: () => 20 });
  const shared = redisLimiterOptions(client, { prefix: `${run}:${name}:` });
  const limiter = new Bottleneck(shared.forModel('m', unit, limits));
  await limiter.ready();
  const key = `b_${run}:${name}:limits:${unit}:m`;
  const state = async () => {
    const [left, running] = await redis().hmget(`${key}_settings`, 'reservoir', 'running');
    const queued = (await redis().hvals(`${key}_client_num_queued`)).map(Number);
    return { reservoir: Number(left), running: Number(running), queued };
  };
  const job = (weight = 1) => limiter.schedule({ weight }, () => Promise.resolve('ran'));
  const close = async () => {
    await limiter.disconnect(false);
    await shared.disconnect();
    client.disconnect();
  };
  return { state, job, close };
}

describe("bottleneck's reservoirs on a real Redis, a command whose answer is lost", () => {
  it('register runs twice: the reservoir takes the call twice and one concurrency slot stays held', async () => {
    const r = await reservoir('register', 'requests', { maxConcurrent: 2, perMinute: 100 });
    await r.job();
    expect(await r.state()).toEqual({ reservoir: 99, running: 0, queued: [0] });
    proxy.cut(bottleneckSha('register'));
    expect(await r.job()).toBe('ran');
    expect(proxy.cuts).toBe(1);
    expect(await r.state()).toEqual({ reservoir: 97, running: 1, queued: [-1] });
    await r.job();
    expect(await r.state()).toEqual({ reservoir: 96, running: 1, queued: [-1] }); // the slot is still held
    await r.close();
  });

  it('register runs twice on the last slot: the call waits, and the model admits nothing more', async () => {
    const r = await reservoir('last', 'requests', { maxConcurrent: 1, perMinute: 100 });
    await r.job();
    proxy.cut(bottleneckSha('register'));
    let settled = false;
    void r.job().finally(() => (settled = true)).catch(() => {});
    // Until the repeat has run (polled, no fixed sleep): then the call is still waiting.
    for (let i = 0; i < 400 && !(proxy.cuts === 1 && (await r.state()).reservoir === 98); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settled).toBe(false);
    expect(await r.state()).toMatchObject({ reservoir: 98, running: 1 }); // taken once, held by no call
    await r.close();
  });

  it("register on the tokens reservoir: the call's weight is taken twice", async () => {
    const r = await reservoir('tokens', 'tokens', { perMinute: 10_000 });
    await r.job(100);
    proxy.cut(bottleneckSha('register'));
    await r.job(100);
    expect((await r.state()).reservoir).toBe(9_700);
    await r.close();
  });

  it('free runs twice: nothing changes; submit runs twice: one queued call too many in the bookkeeping only', async () => {
    const r = await reservoir('free', 'requests', { maxConcurrent: 2, perMinute: 100 });
    await r.job();
    proxy.cut(bottleneckSha('free'));
    await r.job();
    expect(await r.state()).toEqual({ reservoir: 98, running: 0, queued: [0] });
    await r.job(); // the new connection sends each script whole once
    proxy.cut(bottleneckSha('submit'));
    await r.job();
    expect(await r.state()).toEqual({ reservoir: 96, running: 0, queued: [1] });
    expect(proxy.cuts).toBe(5);
    await r.close();
  });
});
