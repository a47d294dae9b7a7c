/**
 * What sharing the header-driven buckets on Redis costs per call, against the
 * same client admitting on its own buckets: a real `redis-server` started here
 * on a free loopback port (skipped when none is on PATH), one client each way,
 * every call reporting the provider's rate-limit headers (so both paths keep
 * buckets) with limits far above the load (so nobody waits).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { Redis } from 'ioredis';
import type { ResilientClientOptions } from '../../src/index.js';
import type { Library } from './load.js';
import { type Stats, nsPerCall, realSleep, stats, throughput } from './measure.js';

export interface RedisCost {
  readonly local: { readonly cpu: Stats; readonly wall: Stats; readonly tp: number };
  readonly shared: { readonly cpu: Stats; readonly wall: Stats; readonly tp: number };
  /** Round trips to Redis per shared call (script calls / calls). */
  readonly scriptsPerCall: number;
  /** A bare PING round trip on the same connection, for scale. */
  readonly pingWall: Stats;
  /** Times an admission fell back to local buckets because Redis did not answer within its timeout. */
  readonly degraded: number;
}

const HEADERS = {
  'x-ratelimit-limit-requests': '10000000',
  'x-ratelimit-remaining-requests': '9999999',
  'x-ratelimit-reset-requests': '6ms',
  'x-ratelimit-limit-tokens': '1000000000',
  'x-ratelimit-remaining-tokens': '999999999',
  'x-ratelimit-reset-tokens': '0s',
};
const VALUE = { id: 'msg', usage: { input_tokens: 12, output_tokens: 34 } };

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** `llm-resilience/redis` bundled the way `loadLibrary` bundles the main entry. */
async function loadRedisEntry(): Promise<typeof import('../../src/redis/index.js')> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const outfile = `${root}node_modules/.cache/llm-resilience-bench/redis.mjs`;
  await build({ entryPoints: [`${root}src/redis/index.ts`], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'error' });
  return (await import(`${pathToFileURL(outfile).href}?t=${Date.now()}`)) as typeof import('../../src/redis/index.js');
}

export async function measureRedisCost(lib: Library, gc: () => void, o: { rounds: number; calls: number; tpTotal: number }): Promise<RedisCost | { na: string }> {
  let server: ChildProcess;
  const dir = mkdtempSync(join(tmpdir(), 'llmr-bench-redis-'));
  const port = await freePort();
  try {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.once('spawn', resolve);
    });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return { na: 'no redis-server on PATH' };
  }
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // refused until the server listens; connect() below retries
  try {
    for (let i = 0; i < 50; i++) {
      try {
        await redis.connect();
        break;
      } catch {
        await realSleep(50);
      }
    }
    let scripts = 0;
    const evalsha = redis.evalsha.bind(redis);
    const countingRedis = Object.assign(Object.create(redis) as Redis, {
      evalsha: (...a: Parameters<Redis['evalsha']>) => {
        scripts++;
        return evalsha(...a);
      },
    });
    const { createRedisLimiter } = await loadRedisEntry();
    const base: ResilientClientOptions = { models: ['primary'], monitor: false };
    const local = new lib.ResilientClient(base);
    const shared = new lib.ResilientClient({ ...base, shared: { limiter: (deps) => createRedisLimiter(countingRedis, {}, { ...deps, config: { prefix: `bench${process.pid}:` } }) } });
    let degraded = 0;
    shared.on('store:degraded', () => degraded++);
    const fn = async (ctx: { reportHeaders(h: unknown): void }) => {
      ctx.reportHeaders(HEADERS);
      return VALUE;
    };
    const subjects = { local: () => local.run(fn), shared: () => shared.run(fn) };
    const cpu = { local: [] as number[], shared: [] as number[] };
    const wall = { local: [] as number[], shared: [] as number[] };
    const ping: number[] = [];
    for (let round = -1; round < o.rounds; round++) {
      for (const id of round % 2 ? (['local', 'shared'] as const) : (['shared', 'local'] as const)) {
        gc();
        const ns = await nsPerCall(subjects[id], o.calls);
        if (round >= 0) {
          cpu[id].push(ns.cpu);
          wall[id].push(ns.wall);
        }
      }
      if (round >= 0) ping.push((await nsPerCall(() => redis.ping(), Math.min(o.calls, 2_000))).wall);
    }
    const before = scripts;
    const tpShared = await throughput(subjects.shared, o.tpTotal, 100);
    const perCall = (scripts - before) / o.tpTotal;
    const tpLocal = await throughput(subjects.local, o.tpTotal, 100);
    local.dispose();
    shared.dispose();
    const keys = await redis.keys(`bench${process.pid}:*`);
    if (keys.length > 0) await redis.del(...keys);
    return {
      local: { cpu: stats(cpu.local), wall: stats(wall.local), tp: tpLocal.wall },
      shared: { cpu: stats(cpu.shared), wall: stats(wall.shared), tp: tpShared.wall },
      scriptsPerCall: perCall,
      pingWall: stats(ping),
      degraded,
    };
  } finally {
    redis.disconnect();
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
