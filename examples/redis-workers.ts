/**
 * Several worker processes, one Redis, one daily budget.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/redis-workers.ts
 *   npx tsx examples/redis-workers.ts          # starts a throwaway redis-server if one is on PATH
 *
 * Each worker runs its own BudgetManager on a RedisBudgetStore and makes
 * simulated calls (no network, no API key) until the shared $0.05 day is
 * spent. The parent then prints the budget every worker drew from.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { BudgetManager, systemClock } from 'llm-resilience';
import { RedisBudgetStore } from 'llm-resilience/redis';

const WORKERS = 4;
const MODEL = 'gpt-5.4-mini';
const budget = (store: RedisBudgetStore) => new BudgetManager({ day: { maxCostUsd: 0.05 }, store }, { clock: systemClock });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function worker(url: string, prefix: string, id: string): Promise<void> {
  const redis = new Redis(url);
  // Without an event bus of a client, print the store's transitions directly.
  const emitter = { wants: () => true, emit: (name: string, e: object) => console.log(`worker ${id}: ${name}`, JSON.stringify(e)) };
  const store = new RedisBudgetStore(redis, { prefix }, { emitter });
  const manager = budget(store);
  let calls = 0;
  for (;;) {
    const r = await manager.reserve({ model: MODEL, estimate: { inputTokens: 2_000, outputTokens: 1_000 } });
    if (!r.ok) break; // the shared day is spent: every worker stops at the same line
    await pause(20); // the "call"
    await manager.settle(r.reservation, { inputTokens: 1_800, outputTokens: 600, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
    calls++;
  }
  console.log(`worker ${id}: ${calls} calls, then refused by the shared budget`);
  // Anything decided locally during a Redis hiccup is written back before exiting.
  for (let i = 0; i < 100 && !(await store.reconcile()); i++) await pause(50);
  redis.disconnect();
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  let server: ChildProcess | undefined;
  let { REDIS_URL: url } = process.env;
  if (!url) {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', () => reject(new Error('Set REDIS_URL, or install redis-server (e.g. apt-get install redis-server).')));
      server!.once('spawn', resolve);
    });
    url = `redis://127.0.0.1:${port}`;
  }
  const redis = new Redis(url, { retryStrategy: (n) => (n > 50 ? null : 20) });
  redis.on('error', () => {}); // the throwaway server may still be starting; ping below waits for it
  try {
    await redis.ping();
    const prefix = `example:${process.pid}:`;
    const children = Array.from({ length: WORKERS }, (_, i) => fork(process.argv[1]!, ['--worker', url!, prefix, String(i + 1)]));
    await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
    const snapshot = await budget(new RedisBudgetStore(redis, { prefix })).snapshot();
    const day = snapshot.scopes.find((s) => s.scope === 'day')!;
    console.log(
      `\nshared day budget (${day.key}): limit $${day.limitUsd}, spent $${day.costUsd.toFixed(6)}, ` +
        `reserved $${day.reservedUsd}, remaining $${day.remainingUsd?.toFixed(6)}, ${day.usedTokens} tokens`,
    );
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
    server?.kill();
  }
}

if (process.argv[2] === '--worker') void worker(process.argv[3]!, process.argv[4]!, process.argv[5]!);
else
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
