// OpenTelemetry metrics for the client (docs/observability.md).
// Offline: metrics go to an in-memory reader and are printed.
// Run: npx tsx examples/otel.ts
import { meterProvider, reader } from './support/otel-sdk.js';
import { client, traffic } from './support/observed-client.js';
import { metrics, trace } from '@opentelemetry/api';
import { instrument } from 'llm-resilience/otel';

// After your SDK setup (NodeSDK, or a MeterProvider with your exporter):
const stop = instrument(client, {
  meter: metrics.getMeter('my-app'),
  tracer: trace.getTracer('my-app'), // optional
  providerName: (model) => (model.startsWith('claude') ? 'anthropic' : 'openai'), // optional, guessed by default
});
// On shutdown: stop() removes every listener and gauge callback.

if (import.meta.url === `file://${process.argv[1]}`) {
  await traffic();
  const { resourceMetrics } = await reader.collect();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints) {
        const value = typeof point.value === 'number' ? point.value : `count ${(point.value as { count: number }).count}`;
        console.log(`${metric.descriptor.name} ${JSON.stringify(point.attributes)} ${value}`);
      }
    }
  }
  stop();
  client.dispose();
  await meterProvider.shutdown();
}
