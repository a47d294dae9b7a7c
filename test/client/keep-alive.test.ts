import { execFileSync } from 'node:child_process';
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
