import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = (code: string) =>
  execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 15_000 });

describe('process lifetime on the system clock', () => {
  it('a pending run keeps the process alive through its backoff wait, then the process exits on its own', () => {
    const out = run(`
      import { ResilientClient } from './src/index.ts';
      const client = new ResilientClient({ models: ['m'] });
      let n = 0;
      const r = await client.run(async () => {
        if (n++ === 0) throw Object.assign(new Error('429'), { status: 429, headers: new Headers({ 'retry-after-ms': '30' }) });
        return 'ok';
      });
      console.log(r, n);
    `);
    expect(out.trim()).toBe('ok 2');
  });

  it('an idle client with open breakers does not keep the process alive', () => {
    const out = run(`
      import { ResilientClient } from './src/index.ts';
      const client = new ResilientClient({ models: ['m'], retry: false, breaker: { volumeThreshold: 1 } });
      await client.run(async () => { throw Object.assign(new Error('500'), { status: 500 }); }).catch(() => {});
      console.log(client.breakerState('m'));
    `);
    expect(out.trim()).toBe('open');
  });
});

describe('attempt deadlines and process lifetime', () => {
  const spawn = (code: string) => spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 15_000 });

  it('a call whose function never settles keeps the process alive until its attempt times out', () => {
    const child = spawn(`
      import { ResilientClient } from './src/index.ts';
      const client = new ResilientClient({ models: ['m'], retry: false, timeoutMs: 200 });
      await client.run(async () => 'first');
      console.log(await client.run(() => new Promise(() => {})).catch((e) => e.failures[0].reason));
    `);
    expect(child.stdout.trim()).toBe('timeout');
    expect(child.status).toBe(0);
  });

  it('after sequential calls with a long attempt timeout, the idle process exits at once', () => {
    const child = spawn(`
      import { ResilientClient } from './src/index.ts';
      const client = new ResilientClient({ models: ['m'], timeoutMs: 600_000 });
      for (let i = 0; i < 3; i++) await client.run(async () => i);
      await client.run(() => new Promise((resolve) => setTimeout(() => resolve('late'), 20)));
      const t0 = performance.now();
      process.on('exit', () => console.log(performance.now() - t0 < 5_000 ? 'exited promptly' : 'held'));
    `);
    expect(child.stdout.trim()).toBe('exited promptly');
    expect(child.status).toBe(0);
  });
});

describe('admission waits and process lifetime', () => {
  const spawn = (code: string) => spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 15_000 });
  // The provider's headers: 600 requests a minute, none left now (one comes back every 100 ms).
  const empty = `new Headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '100ms' })`;

  it('a call waiting in admission keeps the process alive until it is sent, like a request in flight', () => {
    const child = spawn(`
      import { ResilientClient } from './src/index.ts';
      const client = new ResilientClient({ models: ['m'] });
      client.on('limit:wait', (e) => console.log('wait', e.reason));
      await client.run((ctx) => { ctx.reportHeaders(${empty}); return 'first'; });
      console.log(await client.run(() => 'second'));
    `);
    expect(child.stdout.trim().split('\n')).toEqual(['wait requests', 'second']);
    expect(child.status).toBe(0);
  });

  it('after dispose() a waiting call holds nothing: the process exits at once', () => {
    const child = spawn(`
      import { ResilientClient } from './src/index.ts';
      const client = new ResilientClient({ models: ['m'], limits: { maxWaitMs: 600_000, models: { m: { requestsPerMinute: 1 } } } });
      await client.run(() => 'first');
      const t0 = performance.now();
      const waiting = client.run(() => 'second').catch((e) => e.name);
      setTimeout(() => client.dispose(), 20);
      console.log(await waiting);
      process.on('exit', () => console.log(performance.now() - t0 < 5_000 ? 'exited promptly' : 'held'));
    `);
    expect(child.stdout.trim().split('\n')).toEqual(['DisposedError', 'exited promptly']);
    expect(child.status).toBe(0);
  });
});
