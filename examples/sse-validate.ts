// Validating the feed's frames on the consumer side (docs/observability.md).
// In a browser `source` is `new EventSource('/llm/events')`; here it reads the
// client's event stream in-process, so it runs offline under Node.
// Run: npx tsx examples/sse-validate.ts
import { client, traffic } from './support/observed-client.js';
import { source } from './support/observed-source.js';
import { eventSchemas } from 'llm-resilience/sse';
source.addEventListener('fallback', (e) => {
  const event = eventSchemas.fallback.parse(JSON.parse(e.data)); // typed as FallbackEvent
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const parsed = new Promise<void>((resolve) =>
    source.addEventListener('fallback', (e) => {
      const { from, to, reason } = eventSchemas.fallback.parse(JSON.parse(e.data));
      console.log(`valid fallback frame: ${from} -> ${to} (${reason})`);
      resolve();
    }),
  );
  await traffic();
  await parsed;
  source.close();
  client.dispose();
}
