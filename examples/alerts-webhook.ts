// Alerts to a Slack-style webhook. Runs offline: it starts a tiny local HTTP
// server standing in for Slack and points the webhook at it.
//   npx tsx examples/alerts-webhook.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ResilientClient, type AlertEvent } from 'llm-resilience';
import { createFakeClock, createFakeProvider, step } from 'llm-resilience/testing';

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

// A client on a fake clock, so the bad minute below takes no real time.
const clock = createFakeClock();
const provider = createFakeProvider(clock, {
  'gpt-4.1': [...Array.from({ length: 5 }, () => step.rateLimit({ retryAfter: 1, latencyMs: 120 })), step.overloaded({ latencyMs: 300 })],
  'claude-sonnet-4-6': [step.success({ latencyMs: 800 })],
});
const client = new ResilientClient({
  models: ['gpt-4.1', 'claude-sonnet-4-6'],
  clock,
  retry: false,
  monitor: { alerts: { cooldownMs: 10 * 60_000 } },
});

const pending: Promise<void>[] = [];
client.on('alert', (alert) => {
  pending.push(postToWebhook(alert).catch((e: unknown) => console.error('webhook failed', e)));
});

// gpt-4.1 has a bad minute: rate limited, then overloaded until its breaker
// opens; every call falls back to claude-sonnet-4-6.
for (let i = 0; i < 10; i++) {
  const call = client.run(provider.call);
  await clock.advance(1_000);
  await call;
}

await Promise.all(pending);
client.dispose();
server.close();
for (const message of received) console.log(JSON.stringify(message));
