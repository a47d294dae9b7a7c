import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../src/testing/index.js';
import { sleep } from '../../src/clock/clock.js';

describe('createFakeClock', () => {
  it('fires due timers in order and lets promise chains settle between them', async () => {
    const clock = createFakeClock({ start: 0 });
    const log: string[] = [];
    clock.setTimeout(() => log.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => log.push(`a@${clock.now()}`), 10);
    void sleep(clock, 5).then(() => sleep(clock, 10)).then(() => log.push(`chain@${clock.now()}`));
    await clock.advance(25);
    expect(log).toEqual(['a@10', 'chain@15', 'b@20']);
    expect(clock.now()).toBe(25);
    expect(clock.pending()).toBe(0);
  });

  it('does not fire timers beyond the window, and clearTimeout removes them', async () => {
    const clock = createFakeClock({ start: 0 });
    let fired = 0;
    const h = clock.setTimeout(() => fired++, 10);
    clock.setTimeout(() => fired++, 100);
    clock.clearTimeout(h);
    await clock.advance(99);
    expect(fired).toBe(0);
    expect(clock.pending()).toBe(1);
    expect(await clock.next()).toBe(true);
    expect(fired).toBe(1);
    expect(await clock.next()).toBe(false);
  });

  it('an aborted sleep clears its timer', async () => {
    const clock = createFakeClock();
    const ac = new AbortController();
    const p = sleep(clock, 1_000, ac.signal).catch((e: unknown) => e);
    expect(clock.pending()).toBe(1);
    ac.abort(new Error('stop'));
    expect(((await p) as Error).message).toBe('stop');
    expect(clock.pending()).toBe(0);
  });
});

describe('waitForTimer', () => {
  it('resolves at once for a pending timer, later for one set afterwards, and never moves time', async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    clock.setTimeout(() => {}, 100);
    await expect(clock.waitForTimer()).resolves.toEqual({ delayMs: 100, dueAt: t0 + 100 });
    const later = clock.waitForTimer((t) => t.delayMs === 2_000);
    let resolved = false;
    void later.then(() => (resolved = true));
    clock.setTimeout(() => {}, 50);
    await clock.flush();
    expect(resolved).toBe(false);
    clock.setTimeout(() => {}, 2_000);
    await expect(later).resolves.toEqual({ delayMs: 2_000, dueAt: t0 + 2_000 });
    expect(clock.now()).toBe(t0);
  });
});
