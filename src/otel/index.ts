// `llm-resilience/otel`: OpenTelemetry metrics and spans. @opentelemetry/api is
// an optional peer dependency: nothing here imports it, not even its types
// (a `Meter` and a `Tracer` are described structurally in api.ts), so this
// entry type-checks with `skipLibCheck: false` whether or not it is installed.
export { instrument } from './instrument.js';
export type { InstrumentOptions, BudgetReading } from './options.js';
export { BREAKER_GAUGE } from './metrics.js';
export type { OtelMeter, OtelTracer, OtelSpan, OtelAttributes } from './api.js';
export type { ObservableClient } from '../sse/observable.js';
