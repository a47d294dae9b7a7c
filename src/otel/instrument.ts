import type { ObservableClient } from '../sse/observable.js';
import { MAX_TRACKED_EXTRA_MODELS, instrumentMetrics } from './metrics.js';
import { guessProvider, type InstrumentOptions, resolveInstrumentOptions } from './options.js';
import { instrumentSpans } from './spans.js';

/**
 * Records the client's activity through your OpenTelemetry `Meter` (and
 * optionally a `Tracer`), following the GenAI semantic conventions where they
 * exist. Returns a function that removes every listener and gauge callback.
 *
 * Nothing from `@opentelemetry/api` is loaded by this module: you pass the meter
 * and tracer in, so an app without OpenTelemetry pays nothing.
 *
 * @example
 * import { metrics } from '@opentelemetry/api';
 * import { instrument } from 'llm-resilience/otel';
 * const stop = instrument(client, { meter: metrics.getMeter('my-app') });
 */
export function instrument(client: ObservableClient, options: InstrumentOptions = {}): () => void {
  const o = resolveInstrumentOptions(options);
  const operationName = o.operationName ?? 'chat';
  const disposers: (() => void)[] = [];
  if (o.meter) {
    disposers.push(instrumentMetrics(client, { meter: o.meter, provider: memo(o.providerName ?? guessProvider), operationName, budget: o.budget }));
  }
  if (o.tracer) disposers.push(instrumentSpans(client, o.tracer, operationName));
  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    for (const d of disposers) d();
  };
}

const MAX_MEMO = 2 * MAX_TRACKED_EXTRA_MODELS;

/** The user's `providerName` is called once per model, not once per call. */
function memo(f: (model: string) => string): (model: string) => string {
  const cache = new Map<string, string>();
  return (model) => {
    let v = cache.get(model);
    if (v === undefined) {
      v = String(f(model));
      // Model names can come from callers: bounded like the rest of the per-model state (recomputed after a reset).
      if (cache.size >= MAX_MEMO) cache.clear();
      cache.set(model, v);
    }
    return v;
  };
}
