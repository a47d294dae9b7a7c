/**
 * Last section: the monitor's Markdown report for the client of sections 1–4
 * (the one that went through the outage), as `renderReport` prints it.
 */
import { renderReport } from 'llm-resilience';
import type { Demo } from './harness.js';

export async function monitorReport(demo: Demo): Promise<void> {
  demo.heading('7. The monitor\'s report: renderReport(client.snapshot().monitor)');
  const client = demo.clients[0];
  const monitor = client?.snapshot().monitor;
  if (!monitor) {
    demo.note('(no monitor: it was turned off with `monitor: false`)');
    return;
  }
  demo.print(`\n${renderReport(monitor)}`);
}
