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
import { startDashboardServer } from '../src/dashboard/index.js';

/** In order; each prints its own numbered headings. */
export const SECTIONS: readonly ((demo: Demo) => Promise<void>)[] = [degradeAndRecover, budgetFallback, streamedOverload, monitorReport];

async function main(argv: readonly string[]): Promise<void> {
  const dashboard = argv.includes('--dashboard');
  let server: { url: string; close(): Promise<void> } | undefined;
  console.log('llm-resilience demo: a scripted provider on a fake clock (no network, no API key)');
  const demo = createDemo(undefined, {
    // With --dashboard: serve the first client's live page on 127.0.0.1 and pace
    // the requests in real time so the page can be watched.
    paceMs: dashboard ? 400 : 0,
    onClient: (client) => {
      if (!dashboard || server) return;
      server = { url: '', close: async () => {} };
      void startDashboardServer(client, { port: Number(process.env.DASHBOARD_PORT ?? 0), host: '127.0.0.1', title: 'llm-resilience demo' }).then((s) => {
        server = s;
        console.log(`\nDashboard: ${s.url}  (open it in a browser; Ctrl+C to stop)\n`);
      });
    },
  });
  if (dashboard) await new Promise((r) => setTimeout(r, 1_500)); // time to open the page
  for (const section of SECTIONS) await section(demo);
  demo.finish();
  if (dashboard && server) console.log(`\nThe dashboard stays up at ${server.url} — Ctrl+C to stop.`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
