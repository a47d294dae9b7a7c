// Alerts to a Slack-style webhook. Runs offline: it starts a tiny local HTTP
// server standing in for Slack and points the webhook at it.
//   npx tsx examples/alerts-webhook.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../src/clock/clock.js';
import { Monitor, type AlertEvent, type MonitorEmitter } from '../src/monitor/index.js';

// Stand-in for https://hooks.slack.com/services/…: prints what it receives.
const received: unknown[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    received.push(JSON.parse(body));
    res.writeHead(200).end('ok');
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

const ICON = { info: ':information_source:', warning: ':warning:', error: ':rotating_light:', critical: ':fire:' } as const;

/** Delivery is the host's job: one POST per alert, failures logged, never thrown into the client. */
async function postToWebhook(alert: AlertEvent): Promise<void> {
  const res = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: `${ICON[alert.level]} *${alert.level}* ${alert.message}` }),
  });
  if (!res.ok) console.error(`webhook answered ${res.status}`);
}

const pending: Promise<void>[] = [];
const events: MonitorEmitter = {
  wants: (name) => name === 'alert',
  emit: (name, payload) => {
    if (name === 'alert') pending.push(postToWebhook(payload as AlertEvent).catch((e: unknown) => console.error('webhook failed', e)));
  },
};
const monitor = new Monitor({ alerts: { cooldownMs: 10 * 60_000 } }, { clock: systemClock, events });

// What the client reports while a provider has a bad minute:
for (let i = 0; i < 5; i++) monitor.recordAttempt('gpt-4.1', 'rate_limited', 120);
monitor.recordBreaker('gpt-4.1', 'open');
monitor.recordBreaker('gpt-4.1', 'half-open');
monitor.recordBreaker('gpt-4.1', 'open'); // same key within the cooldown: no second alert
monitor.recordBudget('day', 0.93);

await Promise.all(pending);
monitor.dispose();
server.close();
for (const message of received) console.log(JSON.stringify(message));
