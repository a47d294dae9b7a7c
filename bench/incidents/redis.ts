/**
 * Redis for the shared-state rows: a real `redis-server` the bench starts on a
 * Unix socket, and the store a run's workers share through it: each worker's
 * client gets `createRedisLimiter` from `llm-resilience/redis` (the header-driven
 * buckets on Redis, as docs/distributed.md shows), time passed in from the
 * simulated clock. Every script call goes through the time base's I/O gate:
 * simulated time waits for Redis to answer.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createRedisLimiter } from '../../src/redis/index.js';
import type { SharedStore } from './contenders.js';
import type { SimTime } from './sim-time.js';

/** True when `redis-server` is on PATH. */
export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface RedisServer {
  readonly socket: string;
  stop(): Promise<void>;
}

/** Starts `redis-server` on a Unix socket in a fresh temporary directory (no TCP port, no persistence). */
export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-incidents-redis-'));
  const socket = join(dir, 'redis.sock');
  const child: ChildProcess = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = Date.now();
  while (!existsSync(socket)) {
    if (child.exitCode !== null || Date.now() - started > 10_000) {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error('redis-server did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    socket,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let connection: { socket: string; redis: Redis } | undefined;

/**
 * This process's connection to the bench's Redis, `socket` a Unix socket path or a `redis://` URL
 * (opened outside any simulated run, kept for the next runs).
 */
export async function redisConnection(socket: string): Promise<Redis> {
  if (connection?.socket === socket) return connection.redis;
  await closeRedisConnection();
  // lazyConnect: the duplicates bottleneck makes for its subscriber stay unconnected (no reservoir is configured here).
  const options = { lazyConnect: true, maxRetriesPerRequest: 1 };
  const redis = socket.startsWith('redis://') ? new Redis(socket, options) : new Redis({ path: socket, ...options });
  await redis.connect();
  connection = { socket, redis };
  return redis;
}

export async function closeRedisConnection(): Promise<void> {
  const c = connection;
  connection = undefined;
  await c?.redis.quit();
}

/**
 * The store one run's workers share: one connection (so the order of
 * admissions at one simulated instant is the order they were made, and a run
 * replays the same), each worker its own limiter and keys under `prefix`.
 */
export function redisStore(redis: Redis, sim: SimTime, prefix: string): SharedStore {
  const gated = new Proxy(redis, {
    get(target, key) {
      if (key === 'evalsha' || key === 'eval') return (...args: unknown[]) => sim.io(() => (target[key] as (...a: unknown[]) => Promise<unknown>)(...args));
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return {
    id: 'redis',
    clientOptions: () => ({ shared: { limiter: (deps) => createRedisLimiter(gated, {}, { ...deps, config: { prefix } }) } }),
    async dispose() {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    },
  };
}
