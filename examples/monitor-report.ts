// A monitor on the fake clock: simulated traffic, the Markdown report, and a
// daily report at 09:00 Paris time that skips the 02:00–07:00 quiet window.
//   npx tsx examples/monitor-report.ts
import { Monitor, renderReport, scheduleDailyReport } from '../src/monitor/index.js';
import { createFakeClock } from '../src/testing/index.js';

const clock = createFakeClock({ start: Date.parse('2026-01-01T08:00:00Z') });
const monitor = new Monitor({ routing: 'fastest', health: { minCalls: 10 } }, { clock });

for (let i = 0; i < 60; i++) {
  monitor.recordAttempt('claude-sonnet-4-6', 'success', 900 + (i % 10) * 30);
  monitor.recordAttempt('gpt-4.1', i % 3 === 0 ? 'error' : 'success', 700 + (i % 10) * 20);
  await clock.advance(3_000);
}

// Which model the client would try first, and why.
console.log(monitor.rank(['gpt-4.1', 'claude-sonnet-4-6']));

const daily = scheduleDailyReport({
  clock,
  at: '09:00',
  timeZone: 'Europe/Paris',
  quietHours: { from: '02:00', to: '07:00' },
  produce: () => console.log(renderReport(monitor.snapshot())),
});
console.log(`next report at ${new Date(daily.next()!).toISOString()}`);
await clock.advance(24 * 3_600_000); // prints one report
daily.dispose();
monitor.dispose();
