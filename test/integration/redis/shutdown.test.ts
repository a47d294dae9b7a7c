// The documented shutdown of a client on the shared Redis limiter is safe in
// any order: each order runs in its own process, which exits 1 on an unhandled
// rejection. Runs only with REDIS_URL set (vitest.config.ts).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKER = fileURLToPath(new URL('./shutdown-worker.ts', import.meta.url));
const run = `shutdown${process.pid}-${Date.now()}`;

function worker(task: Record<string, unknown>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(task)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

afterAll(async () => {
  const redis = new Redis(URL_);
  // bottleneck's keys (`b_` in front) and the shared buckets' own.
  const keys = [...(await redis.keys(`b_${run}*`)), ...(await redis.keys(`${run}*`))];
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('shutting down a client on the shared Redis limiter', () => {
  const cases = [
    { order: 'dispose-then-disconnect', between: 'at-once', calls: 'done' },
    { order: 'dispose-then-disconnect', between: 'settled', calls: 'done' },
    { order: 'disconnect-then-dispose', between: 'at-once', calls: 'done' },
    { order: 'disconnect-then-dispose', between: 'settled', calls: 'done' },
    { order: 'dispose-then-quit', between: 'at-once', calls: 'done' },
    { order: 'quit-then-dispose', between: 'at-once', calls: 'done' },
    { order: 'dispose-then-disconnect', between: 'at-once', calls: 'starting' },
    { order: 'dispose-then-disconnect', between: 'settled', calls: 'queued' },
    { order: 'disconnect-then-dispose', between: 'at-once', calls: 'queued' },
  ] as const;
  for (const c of cases) {
    it(`${c.order}, ${c.between}, calls ${c.calls}: exits 0, every call settled`, async () => {
      const { code, out } = await worker({ url: URL_, prefix: `${run}:${c.order}:${c.calls}:`, ...c });
      expect(out).not.toContain('unhandled');
      expect(code).toBe(0);
      const calls = (JSON.parse(out.trim().split('\n').at(-1)!) as { calls: string[] }).calls;
      if (c.calls === 'done') expect(calls).toEqual(['resolved']);
      else if (c.calls === 'starting') expect(calls).toEqual(['DisposedError']);
      else expect(calls[1]).toMatch(/DisposedError|resolved/);
    });
  }
});
