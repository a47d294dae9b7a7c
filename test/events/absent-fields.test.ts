import { describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/index.js';
import { createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';

// The docs say an event field with no value is absent: `'taskId' in payload`
// is false for a call without a taskId, and a JSON log line has no such key.
describe('event payloads leave out fields that have no value', () => {
  it('no taskId key on any event of a call run without one', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock, { a: [step.serverError(500)], b: [step.serverError(500)] });
    const client = new ResilientClient({ models: ['a', 'b'], clock, retry: false, monitor: false });
    const seen: { name: string; payload: object }[] = [];
    for (const name of ['attempt', 'failure', 'fallback', 'exhausted'] as const) client.on(name, (payload) => seen.push({ name, payload }));
    await client.run(provider.call).catch(() => {});
    expect(seen.map((e) => e.name)).toEqual(['attempt', 'failure', 'fallback', 'attempt', 'failure', 'exhausted']);
    for (const { name, payload } of seen) {
      expect(Object.keys(payload), name).not.toContain('taskId');
      expect(Object.values(payload), name).not.toContain(undefined);
    }
    client.dispose();
  });
});
