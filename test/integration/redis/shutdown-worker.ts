// One process shutting a shared-limiter client down in a given order:
// `client.dispose()` and `redis.disconnect()` / `redis.quit()`, either first,
// with or without a pause, with calls done, starting or queued.
// An unhandled rejection exits 1 (and says so); a clean shutdown exits 0 on its own.
// Usage: node --import tsx shutdown-worker.ts '<json task>'
import { Redis } from 'ioredis';
import { ResilientClient } from '../../../src/index.js';
import { createRedisLimiter } from '../../../src/redis/index.js';

interface Task {
  readonly url: string;
  readonly prefix: string;
  readonly order: 'dispose-then-disconnect' | 'disconnect-then-dispose' | 'dispose-then-quit' | 'quit-then-dispose';
  readonly pauseMs: number;
  readonly calls: 'done' | 'starting' | 'queued';
}

process.on('unhandledRejection', (error) => {
  console.log(JSON.stringify({ unhandled: String(error) }));
  process.exit(1);
});

const task = JSON.parse(process.argv[2]!) as Task;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const redis = new Redis(task.url);
const client = new ResilientClient({
  models: ['m'],
  shared: { limiter: (deps) => createRedisLimiter(redis, { models: { m: { requestsPerMinute: 500, maxConcurrent: 1 } } }, { ...deps, config: { prefix: task.prefix } }) },
});
const outcome = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e as Error).name);

const pending: Promise<string>[] = [];
if (task.calls === 'done') {
  pending.push(outcome(client.run(async () => 'ok')));
  await pending[0];
} else if (task.calls === 'starting') {
  pending.push(outcome(client.run(async () => 'ok'))); // the model's shared limiter is still starting up
} else {
  pending.push(outcome(client.run(() => new Promise(() => {}))));
  await pause(150);
  pending.push(outcome(client.run(async () => 'ok'))); // waits for the only slot
  await pause(150);
}

const close = async () => (task.order.endsWith('quit') || task.order.startsWith('quit') ? redis.quit().catch(() => {}) : redis.disconnect());
if (task.order.startsWith('dispose')) {
  client.dispose();
  await pause(task.pauseMs);
  await close();
} else {
  await close();
  await pause(task.pauseMs);
  client.dispose();
}
console.log(JSON.stringify({ calls: await Promise.all(pending) }));
