import type { OtelMeter as Meter, OtelTracer as Tracer } from './api.js';
import * as z from '../options/zod.js';
import { fn } from '../options/schema-helpers.js';
import { validateOptions } from '../options/validate.js';

/** One budget scope as the `llm_resilience.budget.*` gauges report it. */
export interface BudgetReading {
  /** Scope name, e.g. `global`, `task:abc`, `model:gpt-4.1`. Keep it low-cardinality. */
  readonly scope: string;
  readonly used: number;
  readonly remaining?: number;
  /** `tokens` or `usd`, when known. */
  readonly unit?: string;
}

export interface InstrumentOptions {
  /**
   * Where metrics go: a `Meter` from your own `MeterProvider`
   * (`metrics.getMeter('llm-resilience')` or `provider.getMeter(...)`).
   * Without one, no metric is recorded and no listener is added for them.
   * @example meter: metrics.getMeter('my-app')
   */
  readonly meter?: Meter | undefined;
  /**
   * Value of `gen_ai.provider.name` for a model.
   * @default guesses from the model name: `claude*` → `anthropic`, `gpt*` / `o1`… → `openai`, `gemini*` → `gcp.gemini`, else `unknown`
   * @example providerName: (model) => (model.startsWith('claude') ? 'anthropic' : 'openai')
   */
  readonly providerName?: ((model: string) => string) | undefined;
  /**
   * A tracer for one span per `run` (best effort: only runs given a `taskId`
   * get a span, because events carry no other run identity).
   */
  readonly tracer?: Tracer | undefined;
  /**
   * Value of `gen_ai.operation.name`.
   * @default 'chat'
   */
  readonly operationName?: string | undefined;
  /**
   * Budget readings for the `llm_resilience.budget.used` / `.remaining` gauges.
   * @default read from `client.budgetSnapshot()` at collection time (a client without it: `client.snapshot().budget`)
   */
  readonly budget?: (() => readonly BudgetReading[]) | undefined;
}

const meterSchema = z.custom<Meter>(
  (v) => typeof v === 'object' && v !== null && typeof (v as Meter).createHistogram === 'function' && typeof (v as Meter).createObservableGauge === 'function',
  { error: 'expected an OpenTelemetry Meter (with createHistogram and createObservableGauge)' },
);
const tracerSchema = z.custom<Tracer>((v) => typeof v === 'object' && v !== null && typeof (v as Tracer).startSpan === 'function', {
  error: 'expected an OpenTelemetry Tracer (with startSpan)',
});

const schema = z.strictObject({
  meter: z.optional(meterSchema),
  providerName: z.optional(fn<(model: string) => string>('a function from model name to provider name')),
  tracer: z.optional(tracerSchema),
  operationName: z.optional(z.string({ error: 'expected a non-empty string' }).check(z.minLength(1, { error: 'expected a non-empty string' }))),
  budget: z.optional(fn<() => readonly BudgetReading[]>('a function returning budget readings')),
});

export function resolveInstrumentOptions(options: InstrumentOptions): InstrumentOptions {
  return validateOptions(schema, options, 'instrument');
}

/** Best-effort `gen_ai.provider.name` from a model id (well-known values of the GenAI conventions). */
export function guessProvider(model: string): string {
  const m = model.toLowerCase();
  if (m.startsWith('claude')) return 'anthropic';
  if (/^(gpt|o\d|chatgpt|text-embedding|davinci|babbage)/.test(m)) return 'openai';
  if (m.startsWith('gemini')) return 'gcp.gemini';
  if (/^(mistral|codestral|ministral|magistral)/.test(m)) return 'mistral_ai';
  return 'unknown';
}

/**
 * Reads budget scopes out of a client snapshot without depending on its exact
 * shape. Understood: `budget: { scopes: [...] }` as the budget's snapshot has it
 * (`usedTokens` / `remainingTokens`, `costUsd` / `remainingUsd`; `task` scopes are
 * skipped, one series per task id would be unbounded cardinality), or a generic
 * array / record of `{ scope|name|key, used, remaining?|limit?, unit? }`.
 */
export function budgetFromSnapshot(snapshot: unknown): BudgetReading[] {
  const budget = (snapshot as { budget?: unknown } | null | undefined)?.budget;
  if (!budget || typeof budget !== 'object') return [];
  const scopes = (budget as { scopes?: unknown }).scopes;
  if (Array.isArray(scopes)) return fromScopes(scopes);
  const read = (v: unknown, fallbackScope: string): BudgetReading | undefined => {
    if (!v || typeof v !== 'object') return undefined;
    const o = v as Record<string, unknown>;
    if (typeof o.used !== 'number' || !Number.isFinite(o.used)) return undefined;
    const name = [o.scope, o.name, o.key, o.id].find((x) => typeof x === 'string') as string | undefined;
    const remaining =
      typeof o.remaining === 'number' ? o.remaining : typeof o.limit === 'number' ? Math.max(0, o.limit - o.used) : undefined;
    return { scope: name ?? fallbackScope, used: o.used, ...(remaining !== undefined ? { remaining } : {}), ...(typeof o.unit === 'string' ? { unit: o.unit } : {}) };
  };
  if (Array.isArray(budget)) return budget.map((b, i) => read(b, `budget-${i}`)).filter((b): b is BudgetReading => !!b);
  const single = read(budget, 'global');
  if (single) return [single];
  const out: BudgetReading[] = [];
  for (const [scope, v] of Object.entries(budget as Record<string, unknown>)) {
    const r = read(v, scope);
    if (r) out.push(r);
  }
  return out;
}

function fromScopes(scopes: readonly unknown[]): BudgetReading[] {
  const out: BudgetReading[] = [];
  for (const raw of scopes) {
    if (!raw || typeof raw !== 'object') continue;
    const s = raw as Record<string, unknown>;
    if (s.scope === 'task' || typeof s.scope !== 'string') continue;
    const scope = typeof s.model === 'string' ? `${s.scope}:${s.model}` : s.scope;
    if (typeof s.limitTokens === 'number' && typeof s.usedTokens === 'number') {
      out.push({ scope, unit: 'tokens', used: s.usedTokens, ...(typeof s.remainingTokens === 'number' ? { remaining: s.remainingTokens } : {}) });
    }
    if (typeof s.limitUsd === 'number' && typeof s.costUsd === 'number') {
      out.push({ scope, unit: 'usd', used: s.costUsd, ...(typeof s.remainingUsd === 'number' ? { remaining: s.remainingUsd } : {}) });
    }
  }
  return out;
}
