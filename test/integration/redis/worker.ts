// One process of the multi-process Redis tests: its own ioredis client and its
// own store / limiter / breaker state, on the system clock (Redis TTLs are real time).
// Usage: node --import tsx worker.ts '<json task>'; prints one JSON line with the result.
import { Redis } from 'ioredis';
import { RedisBreakerState, RedisBudgetStore, createRedisLimiter } from '../../../src/redis/index.js';
import type { RedisEvents } from '../../../src/redis/index.js';

interface Task {
  readonly kind: 'budget' | 'rpm' | 'breaker-open' | 'breaker-watch' | 'probe' | 'outage';
  readonly url: string;
  readonly prefix: string;
  readonly id: number;
  readonly n: number;
}

const task = JSON.parse(process.argv[2]!) as Task;
const redis = new Redis(task.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
redis.on('error', () => {}); // expected while the outage test has the server down
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits `ms` in steps of at most 50 ms. */
const wait = async (ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end; ) await pause(Math.min(50, end - Date.now()));
};
const events: string[] = [];
const emitter = { wants: () => true, emit: (name: keyof RedisEvents) => void events.push(name) };

/** Waits until all `n` workers reached this point, so they start together. */
async function barrier(name: string): Promise<void> {
  const key = `${task.prefix}barrier:${name}`;
  await redis.incr(key);
  while (Number(await redis.get(key)) < task.n) await pause(5);
}

async function run(): Promise<unknown> {
  switch (task.kind) {
    case 'budget': {
      const store = new RedisBudgetStore(redis, { prefix: task.prefix });
      await barrier('budget');
      const results = await Promise.all(Array.from({ length: 20 }, () => store.reserve('day:2026-01-01', { tokens: 7, costNanos: 7_000 }, { tokens: 1_000 })));
      return { granted: results.filter((r) => r.ok).length };
    }
    case 'rpm': {
      const limiter = createRedisLimiter(redis, { models: { m: { requestsPerMinute: 12 } } }, { config: { prefix: task.prefix, heartbeatMs: 100 } });
      await barrier('rpm');
      let admitted = 0;
      for (let i = 0; i < 10; i++) void Promise.resolve(limiter.admit('m')).then((release) => (admitted++, release()));
      await wait(1_500);
      limiter.dispose();
      return { admitted };
    }
    case 'breaker-open': {
      const state = new RedisBreakerState(redis, { prefix: task.prefix, syncMs: 200 });
      await barrier('breaker');
      await wait(300);
      const publishedAt = Date.now();
      await state.publishOpen('m', publishedAt + 10_000);
      return { publishedAt };
    }
    case 'breaker-watch': {
      const state = new RedisBreakerState(redis, { prefix: task.prefix, syncMs: 200 });
      await barrier('breaker');
      const until = Date.now() + 5_000;
      while (Date.now() < until) {
        if (state.readState('m').open) return { seenAt: Date.now() };
        await pause(5);
      }
      return { seenAt: null };
    }
    case 'probe': {
      const state = new RedisBreakerState(redis, { prefix: task.prefix });
      await barrier('probe');
      return { probe: await state.acquireProbe('m', 10_000) };
    }
    case 'outage': {
      // Reserve, "call", settle, 300 times; Redis is killed and restarted by the test meanwhile.
      const store = new RedisBudgetStore(redis, { prefix: task.prefix, timeoutMs: 100, retryMs: 100 }, { emitter });
      await redis.incr(`${task.prefix}started`); // the test kills Redis once every worker runs
      let settled = 0;
      for (let i = 0; i < 300; i++) {
        const r = await store.reserve('day:2026-01-01', { tokens: 5, costNanos: 50 }, { tokens: 1_000_000 });
        if (!r.ok) continue;
        await pause(3);
        await store.settle('day:2026-01-01', { tokens: 5, costNanos: 50 }, { tokens: 3, costNanos: 30 });
        settled++;
      }
      const until = Date.now() + 10_000;
      while (!(await store.reconcile()) && Date.now() < until) await pause(20);
      return { settled, degraded: store.degraded, events };
    }
  }
}

run()
  .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`))
  .catch((error: unknown) => process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`))
  .finally(() => {
    redis.disconnect();
    process.exit(0);
  });
