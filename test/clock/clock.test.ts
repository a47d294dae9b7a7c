import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock/clock.js';

afterEach(() => vi.useRealTimers());
const MAX_STEP = 2 ** 31 - 1;

describe('systemClock: a long duration means long', () => {
  it('a wait longer than one platform timer fires at its time, not after 1 ms', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    systemClock.setTimeout(fn, 3e9);
    vi.advanceTimersByTime(3e9 - 1);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('clearTimeout cancels a chained wait before and after its first step', () => {
    vi.useFakeTimers();
    const a = vi.fn();
    const b = vi.fn();
    const ha = systemClock.setTimeout(a, 5e9);
    const hb = systemClock.setTimeout(b, 5e9);
    systemClock.clearTimeout(ha);
    vi.advanceTimersByTime(MAX_STEP + 10);
    systemClock.clearTimeout(hb);
    vi.advanceTimersByTime(5e9);
    expect(a).not.toHaveBeenCalled();
    expect(b).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('Number.MAX_SAFE_INTEGER and Infinity never fire early', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    systemClock.setTimeout(fn, Number.MAX_SAFE_INTEGER);
    systemClock.setTimeout(fn, Number.POSITIVE_INFINITY);
    vi.advanceTimersByTime(10 * MAX_STEP);
    expect(fn).not.toHaveBeenCalled();
  });
});

describe('long durations through the client, on the real clock', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));

  it('deadlineMs 3e9 or MAX_SAFE_INTEGER lets a 30 ms call finish; hedge.delayMs 3e9 never hedges; no TimeoutOverflowWarning', () => {
    const code = `
      import { ResilientClient } from './src/index.ts';
      const client = new ResilientClient({ models: ['primary', 'backup'] });
      const answer = ({ model }) => new Promise((r) => setTimeout(() => r(model), 30));
      console.log(await client.run(answer, { deadlineMs: 3e9 }));
      console.log(await client.run(answer, { deadlineMs: Number.MAX_SAFE_INTEGER }));
      console.log(await client.run(answer, { hedge: { delayMs: 3e9 } }));
      client.dispose();
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 15_000 });
    expect(child.stdout.trim().split('\n')).toEqual(['primary', 'primary', 'primary']);
    expect(child.stderr).not.toContain('TimeoutOverflowWarning');
    expect(child.status).toBe(0);
  });
});

describe('systemClock.keepAlive: a timer holds the process only while asked to', () => {
  type Held = { hasRef(): boolean };
  it('a Node timer is ref-ed and unref-ed as asked, any number of times', () => {
    const h = systemClock.setTimeout(() => {}, 60_000);
    const native = h as unknown as Held;
    expect(native.hasRef()).toBe(false); // born unref'd
    for (const on of [true, false, true, true, false, false, true]) {
      systemClock.keepAlive!(h, on);
      expect(native.hasRef()).toBe(on);
    }
    systemClock.clearTimeout(h);
  });

  it('a chained wait passes the hold to its current step and remembers it for the next ones', () => {
    const h = systemClock.setTimeout(() => {}, 3e9);
    const chained = h as unknown as { current: Held; keepAlive: boolean | undefined };
    expect(chained.current.hasRef()).toBe(false);
    systemClock.keepAlive!(h, true);
    expect([chained.current.hasRef(), chained.keepAlive]).toEqual([true, true]);
    systemClock.keepAlive!(h, false);
    expect([chained.current.hasRef(), chained.keepAlive]).toEqual([false, false]);
    systemClock.clearTimeout(h);
  });

  it('a handle that cannot hold the process (a number, as browsers return) is left alone', () => {
    expect(() => systemClock.keepAlive!(7 as never, true)).not.toThrow();
    expect(() => systemClock.keepAlive!(7 as never, false)).not.toThrow();
  });
});
