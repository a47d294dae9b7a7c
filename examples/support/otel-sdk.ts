// "Your SDK setup" for examples/otel.ts: a MeterProvider whose reader the
// example collects from on demand, registered as the global one.
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

/** Collects only when asked (a PeriodicExportingMetricReader with your exporter in an app). */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export const reader = new OnDemandReader();
export const meterProvider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(meterProvider);
