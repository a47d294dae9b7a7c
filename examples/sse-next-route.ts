// The event feed as a fetch-style route handler: Next.js (app router), Hono,
// Bun, Deno (docs/observability.md). Offline: the runnable part calls GET with
// a Request, reads the first frame, then aborts as a closing browser would.
// Run: npx tsx examples/sse-next-route.ts
import { client } from './support/observed-client.js';
import { createEventStream, SSE_HEADERS } from 'llm-resilience/sse';

// app/llm/events/route.ts
export const dynamic = 'force-dynamic';
export function GET(request: Request) {
  return new Response(createEventStream(client, { signal: request.signal }), { headers: SSE_HEADERS });
}
// Hono: app.get('/llm/events', (c) => new Response(createEventStream(client, { signal: c.req.raw.signal }), { headers: SSE_HEADERS }));

if (import.meta.url === `file://${process.argv[1]}`) {
  const closed = new AbortController();
  const res = GET(new Request('http://localhost/llm/events', { signal: closed.signal }));
  console.log(`${res.status} ${res.headers.get('content-type')}`);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  while (!text.includes('event: snapshot')) text += (await reader.read()).value ?? '';
  console.log(`${text.slice(text.indexOf('event: snapshot'), 160)}…`);
  closed.abort(); // the browser went away: the stream ends and its listeners are removed
  await reader.cancel();
  console.log(`listeners left: ${client.listenerCount()}`);
  client.dispose();
}
