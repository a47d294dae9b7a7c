// The client's events as server-sent events on Node `http` (docs/observability.md).
// Offline: it serves on 127.0.0.1 and reads its own feed while traffic() runs.
// Run: npx tsx examples/sse-node.ts
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { client, traffic } from './support/observed-client.js';
import { eventSourceFrom } from './support/sse-source.js';
import { createEventStream, SSE_HEADERS, pipeToNodeResponse } from 'llm-resilience/sse';

const server =
http.createServer((req, res) => {
  if (req.url === '/llm/events') return void pipeToNodeResponse(createEventStream(client), res);
  // … the rest of your app
});

if (import.meta.url === `file://${process.argv[1]}`) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/llm/events`);
  console.log(`content-type: ${res.headers.get('content-type')} (SSE_HEADERS: ${SSE_HEADERS['content-type']})`);
  const source = eventSourceFrom(res.body!);
  for (const name of ['snapshot', 'retry', 'fallback', 'success']) {
    source.addEventListener(name, (e) => console.log(`event: ${name} ${e.data.slice(0, 100)}…`));
  }
  const fellBack = new Promise((resolve) => source.addEventListener('fallback', resolve));
  await traffic();
  await fellBack;
  source.close();
  server.close();
  client.dispose();
}
