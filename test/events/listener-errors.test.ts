import { describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/index.js';
import { createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';

describe('a listener that throws is reported under the event it was called for', () => {
  it('one listener on two events: each throw names its own event', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock, { a: [step.serverError(500)] });
    const reported: string[] = [];
    const client = new ResilientClient({
      models: ['a', 'b'],
      clock,
      retry: false,
      monitor: false,
      onListenerError: (_error, event) => reported.push(event),
    });
    const listener = (): void => {
      throw new Error('listener bug');
    };
    client.on('attempt', listener);
    client.on('failure', listener);
    await client.run(provider.call);
    expect(reported).toEqual(['attempt', 'failure', 'attempt']);
    client.dispose();
  });

  it('off() removes a listener from the one event named, and keeps it on the other', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock);
    const seen: string[] = [];
    const client = new ResilientClient({ models: ['a'], clock, retry: false, monitor: false });
    const listener = (payload: { model: string }): void => void seen.push(payload.model);
    client.on('attempt', listener);
    client.on('success', listener);
    client.off('attempt', listener);
    await client.run(provider.call);
    expect(seen).toEqual(['a']);
    expect(client.listenerCount('success')).toBe(1);
    expect(client.listenerCount('attempt')).toBe(0);
    client.dispose();
  });
});
