import { describe, expect, it } from 'vitest';
import type { Env } from '../../bench/incidents/contenders.js';
import { INCIDENTS, MODEL_SETS } from '../../bench/incidents/incidents.js';
import { OracleDispatcher } from '../../bench/incidents/oracle.js';
import type { SimulatedProvider } from '../../bench/incidents/provider.js';
import { SimTime } from '../../bench/incidents/sim-time.js';

/**
 * Replays calls `[at ms, callId, step]` through the bench's oracle on a provider stub that has no
 * room until each instant of `roomAt` adds one request's; each call's answer takes `latency(callId)`.
 * Returns the call ids in the order they were served, and those refused.
 */
async function replay(incidentId: string, calls: readonly (readonly [number, number, number])[], roomAt: readonly number[], latency: (callId: number) => number) {
  const sim = new SimTime(1);
  let room = 0;
  const provider = {
    whenServable: () => (room > 0 ? 0 : 1_000),
    reserve: () => void room--,
    firstLatency: (_model: string, callId: number) => latency(callId),
  } as unknown as SimulatedProvider;
  const incident = INCIDENTS.find((i) => i.id === incidentId)!;
  const env = { sim, provider, format: 'openai', models: MODEL_SETS.openai, worker: 0, workers: 1, org: new Map(), incident } as Env;
  const served: number[] = [];
  const refused: number[] = [];
  sim.install();
  try {
    const oracle = new OracleDispatcher(env);
    for (const [at, callId, step] of calls) {
      const request = { callId, taskId: callId, step, inputTokens: 100, body: { messages: [], max_tokens: 100 } };
      sim.setTimer(() => void oracle.admit(request, new AbortController().signal).then(() => served.push(callId), () => refused.push(callId)), at);
    }
    for (const at of roomAt) sim.setTimer(() => void room++, at);
    await sim.runUntil(() => served.length + refused.length === calls.length, 60_000);
    oracle.dispose();
  } finally {
    sim.uninstall();
  }
  return { served, refused };
}

describe('the bench oracle', () => {
  it('over capacity serves waiting calls by deadline, not a task under way first, and refuses a call that would end past its deadline', async () => {
    // Call 3's answer would take 200 s, past its 120 s; call 1 is a new task's first call, call 2 a task's last, 9 s later.
    const r = await replay('over-capacity', [[0, 3, 0], [1_000, 1, 0], [10_000, 2, 2]], [20_000, 30_000], (id) => (id === 3 ? 200_000 : 2_000));
    expect(r.refused).toEqual([3]);
    expect(r.served).toEqual([1, 2]);
  });

  it('below capacity keeps a task under way first', async () => {
    const r = await replay('storm', [[0, 1, 0], [10_000, 2, 2]], [20_000, 30_000], () => 2_000);
    expect(r.served).toEqual([2, 1]);
  });
});
