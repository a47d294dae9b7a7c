/**
 * The parts of `@opentelemetry/api` this entry uses, declared structurally so
 * that `llm-resilience/otel` type-checks without that optional peer installed
 * (with `skipLibCheck: false` a missing peer's types would be an error). A
 * real `Meter` and `Tracer` from the API are assignable to these.
 */

/** Attribute values as OpenTelemetry accepts them. */
export type OtelAttributeValue = string | number | boolean | (string | null | undefined)[] | (number | null | undefined)[] | (boolean | null | undefined)[];
export type OtelAttributes = { [key: string]: OtelAttributeValue | undefined };

interface InstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

export interface OtelHistogram {
  record(value: number, attributes?: OtelAttributes): void;
}
export interface OtelCounter {
  add(value: number, attributes?: OtelAttributes): void;
}
export interface OtelObservableResult {
  observe(value: number, attributes?: OtelAttributes): void;
}
export type OtelObservableCallback = (result: OtelObservableResult) => void | Promise<void>;
export interface OtelObservableGauge {
  addCallback(callback: OtelObservableCallback): void;
  removeCallback(callback: OtelObservableCallback): void;
}

/** An OpenTelemetry `Meter` (from `metrics.getMeter(...)`), as far as this library uses it. */
export interface OtelMeter {
  createHistogram(name: string, options?: InstrumentOptions): OtelHistogram;
  createCounter(name: string, options?: InstrumentOptions): OtelCounter;
  createObservableGauge(name: string, options?: InstrumentOptions): OtelObservableGauge;
}

/** An OpenTelemetry `Span`, as far as this library uses it. */
export interface OtelSpan {
  setStatus(status: { code: number; message?: string }): unknown;
  setAttribute(key: string, value: OtelAttributeValue): unknown;
  addEvent(name: string, attributes?: OtelAttributes, startTime?: number): unknown;
  end(endTime?: number): void;
}

/** An OpenTelemetry `Tracer` (from `trace.getTracer(...)`), as far as this library uses it. */
export interface OtelTracer {
  startSpan(name: string, options?: { kind?: number; startTime?: number; attributes?: OtelAttributes }): OtelSpan;
}
