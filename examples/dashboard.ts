// The live dashboard, mounted behind your app's own auth check
// (docs/observability.md). Offline: it serves on 127.0.0.1 and asks for the
// page once without and once with the (toy) staff header.
// Run: npx tsx examples/dashboard.ts
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { client, traffic } from './support/observed-client.js';
import { createDashboardHandler } from 'llm-resilience/dashboard';
const dashboard = createDashboardHandler({ client, basePath: '/internal/llm' });

/** Your app's own check; a header stands in for a real session here. */
function isStaff(req: IncomingMessage): boolean {
  return req.headers['x-example-staff'] === 'yes';
}

/** The rest of your app. */
function app(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(404).end();
}

const server =
http.createServer((req, res) => {
  if (req.url?.startsWith('/internal/llm')) {
    if (!isStaff(req)) return void res.writeHead(403).end();
    return dashboard.node(req, res);
  }
  app(req, res);
});
// Next.js: check the session in the route handler (or middleware) before `return dashboard.fetch(req)`.

if (import.meta.url === `file://${process.argv[1]}`) {
  await traffic();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/llm`;
  console.log(`GET /internal/llm/ without the check: ${(await fetch(`${base}/`)).status}`);
  const page = await fetch(`${base}/`, { headers: { 'x-example-staff': 'yes' } });
  console.log(`GET /internal/llm/ as staff: ${page.status} ${page.headers.get('content-type')}`);
  const snapshot = await fetch(`${base}/snapshot.json`, { headers: { 'x-example-staff': 'yes' } });
  console.log(`GET /internal/llm/snapshot.json as staff: ${snapshot.status}, models ${((await snapshot.json()) as { snapshot?: { models?: string[] } }).snapshot?.models?.join(', ')}`);
  server.close();
  client.dispose();
}
