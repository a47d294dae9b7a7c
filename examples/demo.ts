/**
 * `npm run demo`: the library against a scripted fake provider on a fake
 * clock. Offline, no API key, a fraction of a second of real time; with
 * `-- --dashboard`, played in real time behind a live page.
 *
 * Each section is an async function of the shared {@link Demo}, one file in
 * examples/demo/ and one entry in SECTIONS: the outage (breaker, retry,
 * fallback), a budget, a streamed call, and the monitor's report.
 */
import { budgetFallback } from './demo/budget-fallback.js';
import { degradeAndRecover } from './demo/degrade-and-recover.js';
import { allClients } from './demo/all-clients.js';
import { createDemo, type Demo } from './demo/harness.js';
import { monitorReport } from './demo/monitor-report.js';
import { streamedOverload } from './demo/streamed-overload.js';
import { startDashboardServer } from 'llm-resilience/dashboard';

/** In order; each prints its own numbered headings. */
export const SECTIONS: readonly ((demo: Demo) => Promise<void>)[] = [degradeAndRecover, budgetFallback, streamedOverload, monitorReport];

/** Fake seconds per real second with --dashboard: the ~80 s story then takes about as long to watch. */
export const DASHBOARD_SPEED = 1;

export interface DashboardDemo {
  readonly demo: Demo;
  readonly url: string;
  /** Runs every section, then prints the summary (the page stays up). */
  play(): Promise<void>;
  /** Stops the server, the clock and the clients. */
  close(): Promise<void>;
}

/**
 * `--dashboard`: every section's client behind one live page, on a fake clock
 * that follows the wall clock (one time base for the log and the page). The
 * page replays the story so far to whoever opens it, whenever they do.
 */
export async function startDashboardDemo(options: { speed?: number; port?: number; write?: (line: string) => void } = {}): Promise<DashboardDemo> {
  const all = allClients();
  const demo = createDemo(options.write, { realTime: { speed: options.speed ?? DASHBOARD_SPEED }, onClient: (client) => all.add(client) });
  const server = await startDashboardServer(all, {
    port: options.port ?? 0,
    host: '127.0.0.1',
    title: 'llm-resilience demo',
    stream: { clock: demo.clock },
    history: { maxEvents: 1_000 },
  });
  return {
    demo,
    url: server.url,
    async play() {
      for (const section of SECTIONS) await section(demo);
      demo.finish();
    },
    async close() {
      await server.close();
      demo.close();
    },
  };
}

async function main(argv: readonly string[]): Promise<void> {
  console.log('llm-resilience demo: a scripted provider on a fake clock (no network, no API key)');
  if (!argv.includes('--dashboard')) {
    const demo = createDemo();
    for (const section of SECTIONS) await section(demo);
    demo.finish();
    return;
  }
  const { DASHBOARD_PORT } = process.env;
  const live = await startDashboardDemo({ port: Number(DASHBOARD_PORT ?? 0) });
  console.log(`\nDashboard: ${live.url}  (open it in a browser at any time: it shows the story so far; Ctrl+C to stop)`);
  console.log('The story plays in real time, about 80 seconds.\n');
  process.once('SIGINT', () => void live.close().then(() => process.exit(130)));
  await live.play();
  console.log(`\nThe dashboard stays up at ${live.url} — Ctrl+C to stop.`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
