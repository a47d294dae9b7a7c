// One process shutting a shared-limiter client down in a given order:
// `client.dispose()` and `redis.disconnect()` / `redis.quit()`, either first,
// at once or after the first step has finished, with calls done, starting or
// queued. Each wait is for a state Redis or the client shows, polled every
// 10 ms, never a fixed sleep.
// An unhandled rejection exits 1 (and says so); a clean shutdown exits 0 on its own.
// Usage: node --import tsx shutdown-worker.ts '<json task>'
import { Redis } from 'ioredis';
import { ResilientClient } from '../../../src/index.js';
import { createRedisLimiter } from '../../../src/redis/index.js';

interface Task {
  readonly url: string;
  readonly prefix: string;
  readonly order: 'dispose-then-disconnect' | 'disconnect-then-dispose' | 'dispose-then-quit' | 'quit-then-dispose';
  /** Whether the second step waits for the first to finish (`settled`) or follows it at once. */
  readonly between: 'at-once' | 'settled';
  readonly calls: 'done' | 'starting' | 'queued';
}

process.on('unhandledRejection', (error) => {
  console.log(JSON.stringify({ unhandled: String(error) }));
  process.exit(1);
});

const task = JSON.parse(process.argv[2]!) as Task;
const tick = () => new Promise((r) => setTimeout(r, 10));
async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await done()) return;
    await tick();
  }
  throw new Error(`timed out waiting for ${what}`);
}
const redis = new Redis(task.url);
const watcher = new Redis(task.url); // reads what the shared limiter holds; closed last
// bottleneck's limiters listen on a channel named after their id, which holds the prefix.
const listening = async () => ((await watcher.pubsub('CHANNELS', `*${task.prefix}*`)) as string[]).length > 0;
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
  let started = false;
  pending.push(
    outcome(
      client.run(() => {
        started = true;
        return new Promise(() => {});
      }),
    ),
  );
  await until('the first call to start', () => started);
  pending.push(outcome(client.run(async () => 'ok'))); // waits for the only slot
  // bottleneck counts each process's queued jobs in a hash of the limiter's.
  const queued = async () => (await watcher.hvals(`b_${task.prefix}limits:requests:m_client_num_queued`)).some((n) => Number(n) > 0);
  await until('the second call to wait for the slot', queued);
}

const close = async () => (task.order.endsWith('quit') || task.order.startsWith('quit') ? redis.quit().catch(() => {}) : redis.disconnect());
if (task.order.startsWith('dispose')) {
  if (task.between === 'settled' && !(await listening())) throw new Error('the limiter was not listening before dispose');
  client.dispose();
  // Settled: the limiter's teardown has unsubscribed from its channel.
  if (task.between === 'settled') await until('the limiter to stop listening', async () => !(await listening()));
  await close();
} else {
  await close();
  if (task.between === 'settled') await until('the connection to end', () => redis.status === 'end');
  client.dispose();
}
console.log(JSON.stringify({ calls: await Promise.all(pending) }));
watcher.disconnect();
