import type { OtelAttributes as Attributes, OtelMeter as Meter, OtelObservableResult as ObservableResult } from './api.js';
import { type ObservableClient, readBudget as readClientBudget } from '../sse/observable.js';
import { type BudgetReading, budgetFromSnapshot } from './options.js';

/** Bucket boundaries recommended by the GenAI semantic conventions (seconds). */
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** Bucket boundaries recommended by the GenAI semantic conventions (tokens). */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Gauge values of `llm_resilience.breaker.state`. */
export const BREAKER_GAUGE = Object.freeze({ closed: 0, 'half-open': 1, open: 2 } as Record<string, number>);

type Payload = Record<string, unknown>;
/** Models outside the client's `models` tracked here: the client keeps as many (least recently used beyond that are forgotten). */
export const MAX_TRACKED_EXTRA_MODELS = 1_000;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

interface MetricsConfig {
  readonly meter: Meter;
  readonly provider: (model: string) => string;
  readonly operationName: string;
  readonly budget: (() => readonly BudgetReading[]) | undefined;
}

/**
 * Subscribes metric recorders to the client's events. Attribute objects are
 * built once per model (and per failure kind) and reused, so a recorded call
 * costs a map lookup and one `record` on the SDK.
 */
export function instrumentMetrics(client: ObservableClient, config: MetricsConfig): () => void {
  const { meter, provider, operationName } = config;
  const duration = meter.createHistogram('gen_ai.client.operation.duration', {
    description: 'Duration of one GenAI client operation (one attempt against one model)',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const tokens = meter.createHistogram('gen_ai.client.token.usage', {
    description: 'Tokens used per GenAI client operation',
    unit: '{token}',
    advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
  });
  const retries = meter.createCounter('llm_resilience.retries', { description: 'Retries scheduled by the resilience client', unit: '{retry}' });
  const fallbacks = meter.createCounter('llm_resilience.fallbacks', { description: 'Moves from one model to the next in the fallback chain', unit: '{fallback}' });
  const ttft = meter.createHistogram('llm_resilience.stream.time_to_first_token', {
    description: 'Time from the start of a streamed attempt to its first token',
    unit: 's',
    advice: { explicitBucketBoundaries: TTFT_BUCKETS },
  });
  const breakerGauge = meter.createObservableGauge('llm_resilience.breaker.state', {
    description: 'Circuit breaker state per model: 0 closed, 1 half-open, 2 open',
  });
  const budgetUsed = meter.createObservableGauge('llm_resilience.budget.used', { description: 'Budget used per scope' });
  const budgetRemaining = meter.createObservableGauge('llm_resilience.budget.remaining', { description: 'Budget remaining per scope' });

  // Per-model attributes and breaker states, least recently used first. Model names can come from
  // callers (a wrapper passes the request's model): beyond the configured models and as many more
  // as the client itself keeps, the least recently used one is forgotten here too.
  const configured = new Set(client.models ?? []);
  const cap = configured.size + MAX_TRACKED_EXTRA_MODELS;
  const perModel = new Map<string, { readonly base: Attributes; readonly keyed: Map<string, Attributes> }>();
  const breakerStates = new Map<string, string>();
  let last: string | undefined;
  const entry = (model: string) => {
    let e = perModel.get(model);
    if (e) {
      // Most recently used last. A configured model is never forgotten, and the last one used is
      // already last: neither moves, which spares a map delete and insert on nearly every call.
      if (model !== last && !configured.has(model)) {
        perModel.delete(model);
        perModel.set(model, e);
      }
      last = model;
      return e;
    }
    last = model;
    e = { base: Object.freeze({ 'gen_ai.operation.name': operationName, 'gen_ai.request.model': model, 'gen_ai.provider.name': provider(model) }), keyed: new Map() };
    perModel.set(model, e);
    if (perModel.size > cap) {
      for (const m of perModel.keys()) {
        if (perModel.size <= cap) break;
        if (configured.has(m) || m === model) continue;
        perModel.delete(m);
        breakerStates.delete(m);
      }
    }
    return e;
  };
  const attrs = (model: string): Attributes => entry(model).base;
  const attrsWith = (model: string, key: string, value: string): Attributes => {
    const e = entry(model);
    const k = `${key}\u0000${value}`;
    let a = e.keyed.get(k);
    if (!a) {
      a = Object.freeze({ ...e.base, [key]: value });
      e.keyed.set(k, a);
    }
    return a;
  };

  for (const m of configured) breakerStates.set(m, 'closed');

  const unsubs: (() => void)[] = [
    client.on('success', (p: Payload) => {
      const latency = num(p.latencyMs);
      if (latency !== undefined) duration.record(latency / 1000, attrs(typeof p.model === 'string' ? p.model : String(p.model)));
    }),
    client.on('failure', (p: Payload) => {
      const latency = num(p.latencyMs);
      // error.type: the library's failure kind (rate_limit, overloaded, server, …), low-cardinality by construction.
      if (latency !== undefined) duration.record(latency / 1000, attrsWith(String(p.model), 'error.type', String(p.kind ?? '_OTHER')));
    }),
    client.on('retry', (p: Payload) => {
      retries.add(1, attrsWith(String(p.model), 'llm_resilience.reason', String(p.reason ?? 'unknown')));
    }),
    client.on('fallback', (p: Payload) => {
      const from = String(p.from);
      fallbacks.add(1, { ...attrsWith(from, 'llm_resilience.reason', String(p.reason ?? 'unknown')), 'llm_resilience.fallback.to': String(p.to) });
    }),
    // Token counts come from the budget's `budget:usage` event: normalised across
    // providers, once per settled call. Estimated usage (the response had none) is not a measurement.
    client.on('budget:usage', (p: Payload) => {
      if (p.estimated === true || typeof p.model !== 'string') return;
      const input = num(p.inputTokens);
      const output = num(p.outputTokens);
      if (input !== undefined) tokens.record(input, attrsWith(p.model, 'gen_ai.token.type', 'input'));
      if (output !== undefined) tokens.record(output, attrsWith(p.model, 'gen_ai.token.type', 'output'));
    }),
    client.on('stream:committed', (p: Payload) => {
      const ms = num(p.ttftMs);
      if (ms !== undefined && typeof p.model === 'string') ttft.record(ms / 1000, attrs(p.model));
    }),
  ];
  for (const name of ['breaker:open', 'breaker:half-open', 'breaker:close']) {
    unsubs.push(
      client.on(name, (p: Payload) => {
        const model = String(p.model);
        entry(model);
        breakerStates.set(model, String(p.state));
      }),
    );
  }

  const observeBreakers = (result: ObservableResult) => {
    for (const [model, last] of breakerStates) {
      // Ask the client when it can tell: an open breaker turns half-open on the clock, without an event.
      const state = typeof client.breakerState === 'function' ? client.breakerState(model) : last;
      const value = BREAKER_GAUGE[state];
      if (value !== undefined) result.observe(value, attrs(model));
    }
  };
  const readBudget = async (): Promise<readonly BudgetReading[]> => {
    try {
      if (config.budget) return config.budget();
      if (typeof client.budgetSnapshot === 'function') return budgetFromSnapshot({ budget: await readClientBudget(client) });
      return typeof client.snapshot === 'function' ? budgetFromSnapshot(client.snapshot()) : [];
    } catch {
      return []; // a failing snapshot must not break the host's metric export
    }
  };
  const budgetAttrs = (r: BudgetReading): Attributes => ({ 'llm_resilience.budget.scope': r.scope, ...(r.unit ? { 'llm_resilience.budget.unit': r.unit } : {}) });
  const observeUsed = async (result: ObservableResult) => {
    for (const r of await readBudget()) result.observe(r.used, budgetAttrs(r));
  };
  const observeRemaining = async (result: ObservableResult) => {
    for (const r of await readBudget()) if (r.remaining !== undefined) result.observe(r.remaining, budgetAttrs(r));
  };
  breakerGauge.addCallback(observeBreakers);
  budgetUsed.addCallback(observeUsed);
  budgetRemaining.addCallback(observeRemaining);

  return () => {
    for (const u of unsubs.splice(0)) u();
    breakerGauge.removeCallback(observeBreakers);
    budgetUsed.removeCallback(observeUsed);
    budgetRemaining.removeCallback(observeRemaining);
  };
}
