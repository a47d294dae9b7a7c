// `llm-resilience/otel`: OpenTelemetry metrics and spans. @opentelemetry/api is
// an optional peer dependency, imported here for types only.
export { instrument } from './instrument.js';
export type { InstrumentOptions, BudgetReading } from './options.js';
export { BREAKER_GAUGE } from './metrics.js';
export type { ObservableClient } from '../sse/observable.js';
