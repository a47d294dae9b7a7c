// A monitor on the fake clock: simulated traffic, the Markdown report, and a
// daily report at 09:00 Paris time that skips the 02:00–07:00 quiet window.
//   npx tsx examples/monitor-report.ts
import { ResilientClient, renderReport, scheduleDailyReport } from 'llm-resilience';
import { createFakeClock, createFakeProvider, step } from 'llm-resilience/testing';

const clock = createFakeClock({ start: Date.parse('2026-01-01T08:00:00Z') });
const provider = createFakeProvider(clock);
const client = new ResilientClient({
  models: ['gpt-4.1', 'claude-sonnet-4-6'],
  clock,
  retry: false,
  breaker: false,
  monitor: { routing: 'fastest', health: { minCalls: 10 } },
});

// Three minutes of traffic: every third gpt-4.1 call fails with a 500.
for (let i = 0; i < 60; i++) {
  provider.script('claude-sonnet-4-6', [step.success({ latencyMs: 900 + (i % 10) * 30 })]);
  provider.script('gpt-4.1', [i % 3 === 0 ? step.serverError(500, { latencyMs: 300 }) : step.success({ latencyMs: 700 + (i % 10) * 20 })]);
  const calls = [client.run(provider.call, { models: ['claude-sonnet-4-6'] }), client.run(provider.call, { models: ['gpt-4.1'] })];
  const settled = Promise.allSettled(calls); // the failures are the point: nothing to handle
  await clock.advance(3_000);
  await settled;
}

// Which model the client would try first, and why.
console.log(client.rank());

const daily = scheduleDailyReport({
  clock,
  at: '09:00',
  timeZone: 'Europe/Paris',
  quietHours: { from: '02:00', to: '07:00' },
  produce: () => console.log(renderReport(client.snapshot().monitor!)),
});
console.log(`next report at ${new Date(daily.next()!).toISOString()}`);
await clock.advance(24 * 3_600_000); // prints one report
daily.dispose();
client.dispose();
