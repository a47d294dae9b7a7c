import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/index.js';
import { createEventHistory } from '../../src/sse/index.js';
import { createFakeClock } from '../../src/testing/index.js';

/** A minimal observable client whose events the test fires by hand. */
function fakeClient() {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let snapshots = 0;
  return {
    on(event: string, fn: (p: unknown) => void) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(fn);
      return () => void listeners.get(event)!.delete(fn);
    },
    snapshot: () => ({ n: ++snapshots }),
    fire: (event: string, payload: unknown) => {
      for (const fn of listeners.get(event) ?? []) fn(payload);
    },
    count: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  };
}

describe('createEventHistory', () => {
  it('keeps events in order with a snapshot at most every snapshotEveryMs, taken on an event', async () => {
    const clock = createFakeClock();
    const client = fakeClient();
    const history = createEventHistory(client, { clock, snapshotEveryMs: 1_000 });
    client.fire('success', { i: 1 });
    client.fire('success', { i: 2 });
    await clock.advance(999);
    client.fire('failure', { i: 3 });
    await clock.advance(1);
    client.fire('retry', { i: 4 });
    expect(history.frames().map((f) => f.event)).toEqual(['snapshot', 'success', 'success', 'failure', 'snapshot', 'retry']);
    expect(history.frames()[4]!.data).toEqual({ timestamp: clock.now(), snapshot: { n: 2 } });
    history.dispose();
  });

  it('is bounded: the oldest events and snapshots go first', async () => {
    const clock = createFakeClock();
    const client = fakeClient();
    const history = createEventHistory(client, { clock, maxEvents: 3, maxSnapshots: 2, snapshotEveryMs: 10 });
    for (let i = 0; i < 10; i++) {
      client.fire('success', { i });
      await clock.advance(10);
    }
    const frames = history.frames();
    expect(frames.filter((f) => f.event === 'success').map((f) => (f.data as { i: number }).i)).toEqual([7, 8, 9]);
    expect(frames.filter((f) => f.event === 'snapshot')).toHaveLength(2);
    history.dispose();
  });

  it('removes its listeners on dispose, and validates its options', () => {
    const client = fakeClient();
    const history = createEventHistory(client, { events: ['success', 'failure'] });
    expect(client.count()).toBe(2);
    history.dispose();
    history.dispose();
    expect(client.count()).toBe(0);
    let error: unknown;
    try {
      createEventHistory(client, { maxEvent: 3 } as never);
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error) && error.message).toContain('createEventHistory.maxEvent: unknown option, did you mean `maxEvents`?');
  });
});
