import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Callbacks, keepAbortListener, linkSignals, onAbort, onAnyAbort, sleepUnlessAborted } from '../../src/clock/signals.js';
import { createFakeClock } from '../../src/testing/index.js';

const listeners = (s: AbortSignal) => getEventListeners(s, 'abort').length;

describe('onAbort', () => {
  it('holds one listener however many callbacks, and removes it with the last one', () => {
    const c = new AbortController();
    const offs = Array.from({ length: 50 }, () => onAbort(c.signal, () => {}));
    expect(listeners(c.signal)).toBe(1);
    for (const off of offs.slice(1)) off();
    expect(listeners(c.signal)).toBe(1);
    offs[0]!();
    expect(listeners(c.signal)).toBe(0);
    offs[0]!(); // twice is harmless
    expect(listeners(c.signal)).toBe(0);
  });

  it('calls every subscribed callback once on abort, and at once when already aborted', () => {
    const c = new AbortController();
    const seen: number[] = [];
    onAbort(c.signal, () => seen.push(1));
    const off = onAbort(c.signal, () => seen.push(2));
    onAbort(c.signal, () => seen.push(3));
    off();
    c.abort();
    c.abort();
    expect(seen).toEqual([1, 3]);
    onAbort(c.signal, () => seen.push(4));
    expect(seen).toEqual([1, 3, 4]);
    expect(listeners(c.signal)).toBe(0);
  });

  it('a kept signal keeps its one listener between calls (no add/remove per call)', () => {
    const c = new AbortController();
    keepAbortListener(c.signal);
    expect(listeners(c.signal)).toBe(1);
    const off = onAbort(c.signal, () => {});
    off();
    expect(listeners(c.signal)).toBe(1);
    let fired = false;
    onAbort(c.signal, () => (fired = true));
    c.abort();
    expect(fired).toBe(true);
  });
});

describe('onAnyAbort', () => {
  it('reports the first signal to abort, once, and detaches from the others', () => {
    const a = new AbortController();
    const b = new AbortController();
    const reasons: unknown[] = [];
    onAnyAbort([a.signal, undefined, b.signal], (r) => reasons.push(r));
    b.abort('b first');
    a.abort('a later');
    expect(reasons).toEqual(['b first']);
    expect(listeners(a.signal)).toBe(0);
  });

  it('fires at once for an already aborted signal and subscribes to nothing', () => {
    const a = new AbortController();
    const b = new AbortController();
    b.abort('done');
    const reasons: unknown[] = [];
    onAnyAbort([a.signal, b.signal], (r) => reasons.push(r));
    expect(reasons).toEqual(['done']);
    expect(listeners(a.signal)).toBe(0);
  });
});

describe('linkSignals', () => {
  it('aborts with the first reason; unlink leaves the sources clean', () => {
    const a = new AbortController();
    const link = linkSignals([a.signal]);
    expect(listeners(a.signal)).toBe(1);
    a.abort('why');
    expect(link.signal.reason).toBe('why');
    const b = new AbortController();
    const link2 = linkSignals([b.signal]);
    link2.unlink();
    expect(listeners(b.signal)).toBe(0);
  });
});

describe('sleepUnlessAborted', () => {
  it('resolves after ms on the clock, or rejects with the first abort and clears its timer', async () => {
    const clock = createFakeClock();
    const a = new AbortController();
    const b = new AbortController();
    let done = false;
    const p = sleepUnlessAborted(clock, 100, [a.signal, b.signal]).then(() => (done = true));
    await clock.advance(99);
    expect(done).toBe(false);
    await clock.advance(1);
    await p;
    expect(listeners(a.signal) + listeners(b.signal)).toBe(0);
    const q = sleepUnlessAborted(clock, 100, [a.signal, b.signal]);
    b.abort(new Error('gone'));
    await expect(q).rejects.toThrow('gone');
    expect(clock.pending()).toBe(0);
    await expect(sleepUnlessAborted(clock, 100, [b.signal])).rejects.toThrow('gone');
    expect(clock.pending()).toBe(0);
    await expect(sleepUnlessAborted(clock, 0, [a.signal])).resolves.toBeUndefined(); // no timer for no wait
    expect(clock.pending()).toBe(0);
  });
});

describe('Callbacks', () => {
  it('removes from anywhere in O(1), twice harmlessly, and drains in the order added', () => {
    const list = new Callbacks<string>();
    const seen: string[] = [];
    const entries = ['a', 'b', 'c', 'd'].map((name) => list.add((arg) => seen.push(`${name}:${arg}`)));
    list.remove(entries[0]!);
    list.remove(entries[2]!);
    list.remove(entries[2]!);
    expect(list.size).toBe(2);
    list.add((arg) => seen.push(`e:${arg}`));
    list.drain('x');
    expect(seen).toEqual(['b:x', 'd:x', 'e:x']);
    expect(list.size).toBe(0);
    list.remove(entries[1]!); // after drain: nothing
    expect(list.size).toBe(0);
    list.drain('y');
    expect(seen).toHaveLength(3);
  });
});
