import { describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

/*
 * What a success hands on, on each road a model try takes (decision 0057: the
 * try binds its handlers only when a promise or a waiting count takes them,
 * reads the payloads' task id and deployment through getters, and the call's
 * first model is judged by one object rather than a closure).
 */

const refusal = { stop_reason: 'refusal', content: [] };

function recorded(client: ResilientClient) {
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  for (const name of ['attempt', 'success', 'failure', 'fallback'] as const) client.on(name, (payload) => events.push({ name, payload: payload as unknown as Record<string, unknown> }));
  return events;
}

describe('a success on a closed breaker', () => {
  it('is counted once per attempt: the breaker opens on the failures that follow exactly as it would have', async () => {
    const client = new ResilientClient({ models: ['a'], clock: createFakeClock(), retry: false, monitor: false, breaker: { volumeThreshold: 10, errorThresholdPercentage: 50 } });
    for (let i = 0; i < 5; i++) await client.run(() => 'ok');
    const boom = Object.assign(new Error('upstream'), { status: 500 });
    // 5 successes, then failures: 50% is reached at the 5th failure of 10 calls, and over it at the 6th.
    for (let i = 0; i < 5; i++) await expect(client.run(() => Promise.reject(boom))).rejects.toThrow();
    expect(client.breakerState('a')).toBe('closed');
    await expect(client.run(() => Promise.reject(boom))).rejects.toThrow();
    expect(client.breakerState('a')).toBe('open');
    client.dispose();
  });
});

describe('the payloads of a success', () => {
  it('carry no task id and no deployment for a plain call, the task id when given, and the deployment when the model has them', async () => {
    const client = new ResilientClient({
      models: [{ model: 'm', deployments: [{ id: 'd1', client: {} }] }, 'n'],
      clock: createFakeClock(),
      monitor: false,
    });
    const events = recorded(client);
    await client.run(() => 'ok', { models: ['n'] });
    await client.run(() => 'ok', { models: ['n'], taskId: 't1' });
    await client.run(() => 'ok');
    await client.run(() => 'ok', { taskId: 't2' });
    const seen = events.map(({ name, payload }) => ({ name, taskId: payload.taskId, deployment: payload.deployment, model: payload.model, keys: Object.keys(payload).sort().join(',') }));
    expect(seen).toEqual([
      { name: 'attempt', taskId: undefined, deployment: undefined, model: 'n', keys: 'attempt,model,timestamp' },
      { name: 'success', taskId: undefined, deployment: undefined, model: 'n', keys: 'attempt,latencyMs,model,timestamp' },
      { name: 'attempt', taskId: 't1', deployment: undefined, model: 'n', keys: 'attempt,model,taskId,timestamp' },
      { name: 'success', taskId: 't1', deployment: undefined, model: 'n', keys: 'attempt,latencyMs,model,taskId,timestamp' },
      { name: 'attempt', taskId: undefined, deployment: 'd1', model: 'm', keys: 'attempt,deployment,model,timestamp' },
      { name: 'success', taskId: undefined, deployment: 'd1', model: 'm', keys: 'attempt,deployment,latencyMs,model,timestamp' },
      { name: 'attempt', taskId: 't2', deployment: 'd1', model: 'm', keys: 'attempt,deployment,model,taskId,timestamp' },
      { name: 'success', taskId: 't2', deployment: 'd1', model: 'm', keys: 'attempt,deployment,latencyMs,model,taskId,timestamp' },
    ]);
    for (const { payload } of events) expect(Object.isFrozen(payload)).toBe(true);
    client.dispose();
  });
});

describe("the call's first model, judged by the content rules", () => {
  for (const road of ['without deployments', 'through a deployment'] as const) {
    it(`${road}: a refusal moves the call on once, and the next model's answer is the call's`, async () => {
      const first = road === 'without deployments' ? 'a' : { model: 'a', deployments: [{ id: 'a1', client: {} }] };
      const client = new ResilientClient({ models: [first, 'b'], clock: createFakeClock(), monitor: false, content: { onRefusal: 'fallback' } });
      const events = recorded(client);
      const tried: string[] = [];
      const value = await client.run((ctx) => (tried.push(ctx.model), ctx.model === 'a' ? refusal : { model: ctx.model }));
      expect(value).toEqual({ model: 'b' });
      expect(tried).toEqual(['a', 'b']);
      expect(events.filter((e) => e.name === 'fallback').map((e) => [e.payload.from, e.payload.to])).toEqual([['a', 'b']]);
      // And a success the rules keep settles the call with its value, on the same road.
      await expect(client.run((ctx) => ({ model: ctx.model }))).resolves.toEqual({ model: 'a' });
      client.dispose();
    });
  }
});
