/**
 * Chaos soak: `npm run soak` (options: --calls N, --concurrency N, --seed N).
 * 100,000 calls at concurrency 200 across 5 models on the fake clock, against
 * a provider injecting 429s, 529s, 500s, network errors, hangs and slow or
 * usage-less responses. Prints one summary line and exits 1 on any broken
 * invariant. See docs/reliability.md.
 */
import { createFakeClock } from '../src/testing/index.js';
import { getGc, heapAfterGc } from './lib/gc.js';
import { fakeDriver, runSoak, soakViolations } from './lib/soak-scenario.js';
import { trackTimers } from './lib/timers.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const calls = arg('calls', 100_000);
const concurrency = arg('concurrency', 200);
const seed = arg('seed', 20_260_101);

const unhandled: string[] = [];
process.on('unhandledRejection', (e) => unhandled.push(`unhandledRejection: ${(e as Error)?.name}`));
process.on('uncaughtException', (e) => unhandled.push(`uncaughtException: ${(e as Error)?.name}`));
// Not an invariant, but users see these: report them.
const warnings = new Map<string, number>();
process.on('warning', (w) => warnings.set(w.name, (warnings.get(w.name) ?? 0) + 1));

const gc = getGc();
const timers = trackTimers();
const clock = createFakeClock();
const heap = new Map<number, number>();
const small = Math.round(calls / 10);
const wall = performance.now();

const report = await runSoak({
  calls,
  concurrency,
  seed,
  clock,
  scale: 1,
  drive: fakeDriver(clock),
  // A day budget that runs out partway: reservations race it from 200 concurrent calls.
  budgetTokens: calls * 400,
  checkpoints: [small, calls],
  onCheckpoint: (n) => heap.set(n, heapAfterGc(gc)),
});
const wallS = (performance.now() - wall) / 1000;
await clock.flush();
const fakeTimersAfterDispose = clock.pending();
const realTimersAfterDispose = timers.live();
timers.restore();

const violations = soakViolations(report);
if (fakeTimersAfterDispose !== 0) violations.push(`${fakeTimersAfterDispose} fake-clock timer(s) pending after dispose()`);
if (realTimersAfterDispose !== 0) violations.push(`${realTimersAfterDispose} real timer(s) alive after dispose()`);
violations.push(...unhandled);

const h0 = heap.get(small);
const h1 = heap.get(calls);
const growth = h0 && h1 ? (h1 - h0) / h0 : undefined;
if (growth !== undefined && growth > 0.1) violations.push(`heap grew ${(growth * 100).toFixed(1)}% between ${small} and ${calls} calls (limit 10%)`);
const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
const heapText = growth === undefined ? 'n/a' : `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}% (${mb(h0!)} at ${small} → ${mb(h1!)} at ${calls})`;
const overshoot = report.budget ? `${report.budget.overshoot} (${report.budget.operations} store operations checked, ${report.budget.refused} calls refused by the budget)` : 'n/a';

console.log(
  `soak: calls=${report.calls} faults=${report.faultsInjected} settled=${report.settled} lost=${report.lost} overshoot=${overshoot} heap=${heapText}`,
);
console.log(
  `  resolved=${report.resolved} rejected=${JSON.stringify(report.rejections)} attempts=${report.events.attempt} successes=${report.events.success} failures=${report.events.failure} ` +
    `(breaker refusals ${report.events.circuitOpen}) retries=${report.events.retry} fallbacks=${report.events.fallback} breaker-opens=${report.events.breakerOpen} ` +
    `simulated=${(report.simulatedMs / 1000).toFixed(0)} s wall=${wallS.toFixed(1)} s seed=${seed}`,
);
console.log(`  faults: ${JSON.stringify(report.faults)}`);
console.log(`  after dispose(): fake timers ${fakeTimersAfterDispose}, real timers ${realTimersAfterDispose}, listeners ${report.listenersAfterDispose}`);
if (warnings.size) console.log(`  process warnings: ${[...warnings].map(([name, n]) => `${name} ×${n}`).join(', ')}`);
if (violations.length) {
  console.log(`FAILED:\n  ${violations.join('\n  ')}`);
  process.exitCode = 1;
} else console.log('OK: every invariant held');
