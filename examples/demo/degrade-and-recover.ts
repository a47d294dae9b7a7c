/**
 * Section 1: the primary model degrades (a 429 with Retry-After, then 529
 * overloaded: each one goes straight to the healthy secondary instead of a
 * backoff sleep), its breaker opens, traffic falls back to the secondary, and
 * after the open period a half-open probe finds it healthy again.
 */
import { step } from 'llm-resilience/testing';
import type { Demo } from './harness.js';

export const PRIMARY = 'claude-sonnet-4-6';
export const SECONDARY = 'gpt-4.1';

export async function degradeAndRecover(demo: Demo): Promise<void> {
  const { provider } = demo;
  const client = demo.client({
    models: [PRIMARY, SECONDARY],
    retry: { maxRetries: 2, initialDelayMs: 1_000 },
    breaker: { volumeThreshold: 5, errorThresholdPercentage: 40, rollingWindowMs: 60_000, resetTimeoutMs: 30_000 },
  });
  provider.script(SECONDARY, [step.success({ latencyMs: 900 })]);

  demo.heading('1. Healthy');
  provider.script(PRIMARY, [step.success({ latencyMs: 700 })]);
  for (let i = 1; i <= 2; i++) {
    await demo.request(client, `request ${i}`, { taskId: `task-${i}` });
    await demo.wait(1_000);
  }

  demo.heading('2. Rate limited: a 429 spills to the secondary at once; the primary is held for its Retry-After');
  provider.script(PRIMARY, [step.rateLimit({ retryAfter: 2, latencyMs: 150 }), step.success({ latencyMs: 700 })]);
  await demo.request(client, 'request 3', { taskId: 'task-3' });
  await demo.wait(1_000);
  await demo.request(client, 'request 3b (1 s later: still held, served by the secondary)', { taskId: 'task-3b' });
  await demo.wait(1_000);

  demo.heading('3. Overloaded: each 529 goes straight to the healthy secondary; the breaker opens');
  provider.script(PRIMARY, [step.overloaded({ latencyMs: 300 })]);
  for (let i = 4; i <= 6; i++) {
    await demo.request(client, `request ${i}`, { taskId: `task-${i}` });
    await demo.wait(5_000);
  }

  // The provider recovers while the breaker is still open: nobody knows yet.
  provider.script(PRIMARY, [step.success({ latencyMs: 700 })]);
  demo.note(`(${PRIMARY} has quietly recovered; its breaker is still open)`);
  await demo.request(client, 'request 7', { taskId: 'task-7' });

  demo.heading('4. The open period passes: one half-open probe, the breaker closes');
  await demo.wait(30_000);
  await demo.request(client, 'request 8', { taskId: 'task-8' });
  await demo.wait(1_000);
  await demo.request(client, 'request 9', { taskId: 'task-9' });
  demo.note(`(the outage's failures stay in the monitor's 5-minute window, but since the probe closed`);
  demo.note(` the breaker, health judges only the attempts after it: ${PRIMARY} stays healthy)`);
}
