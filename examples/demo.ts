/**
 * `npm run demo`: the library against a scripted fake provider on a fake
 * clock. Offline, no API key, a fraction of a second of real time.
 *
 * Each section is an async function of the shared {@link Demo}, one file in
 * examples/demo/ and one entry in SECTIONS: the outage (breaker, retry,
 * fallback), a budget, a streamed call, and the monitor's report.
 */
import { budgetFallback } from './demo/budget-fallback.js';
import { degradeAndRecover } from './demo/degrade-and-recover.js';
import { createDemo, type Demo } from './demo/harness.js';
import { monitorReport } from './demo/monitor-report.js';
import { streamedOverload } from './demo/streamed-overload.js';

/** In order; each prints its own numbered headings. */
export const SECTIONS: readonly ((demo: Demo) => Promise<void>)[] = [degradeAndRecover, budgetFallback, streamedOverload, monitorReport];

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--dashboard')) {
    console.log('--dashboard is not wired into the demo yet (see docs/observability.md to mount the dashboard): running in the terminal only\n');
  }
  console.log('llm-resilience demo: a scripted provider on a fake clock (no network, no API key)');
  const demo = createDemo();
  for (const section of SECTIONS) await section(demo);
  demo.finish();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
