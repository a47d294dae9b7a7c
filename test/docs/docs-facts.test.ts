// The reference pages state facts about the code; these checks fail when the
// two drift apart: option defaults, event names and payload fields, the
// classification table, and the list of error classes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultOptions } from '../../examples/options-defaults.js';
import { KIND_TRAITS } from '../../src/classify/classify.js';
import * as api from '../../src/index.js';
import type { ResilienceEventName, ResilienceEvents, RunOptions } from '../../src/index.js';
import { resolveLimits } from '../../src/limits/options.js';
import { resolveMonitorOptions } from '../../src/monitor/options.js';
import { outcomeOf } from '../../src/monitor/outcome.js';
import { BREAKER_DEFAULTS } from '../../src/breaker/options.js';
import { coreOptionShape } from '../../src/client/options.js';
import { ADAPTIVE_TIMEOUT_DEFAULTS, RETRY_DEFAULTS } from '../../src/retry/options.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = (name: string) => readFileSync(`${root}/docs/${name}`, 'utf8');

/** Rows of every Markdown table in `text` whose first cell is `code`: name → the other cells. */
function rows(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (m) out.set(m[1]!, m[2]!.split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return out;
}

type Fields<T> = { readonly [K in keyof T]-?: true };
/**
 * Every event and every payload field, as docs/events.md must list them.
 * The mapped type makes this exhaustive: an event or field added to
 * ResilienceEvents and missing here (or misspelled) fails the typecheck.
 */
const EVENT_FIELDS: { readonly [K in ResilienceEventName]: Fields<ResilienceEvents[K]> } = {
  attempt: { timestamp: true, taskId: true, model: true, deployment: true, attempt: true },
  success: { timestamp: true, taskId: true, model: true, deployment: true, attempt: true, latencyMs: true },
  failure: { timestamp: true, taskId: true, model: true, deployment: true, attempt: true, latencyMs: true, kind: true, status: true, retryable: true, retryAfterMs: true },
  retry: { timestamp: true, taskId: true, model: true, deployment: true, attempt: true, delayMs: true, reason: true, retryAfterMs: true },
  'retry:throttled': { timestamp: true, taskId: true, model: true, attempt: true, kind: true, reason: true, retries: true, successes: true, allowed: true },
  'breaker:open': { timestamp: true, taskId: true, model: true, deployment: true, state: true, retryAfterMs: true, reason: true, trips: true },
  'breaker:half-open': { timestamp: true, taskId: true, model: true, deployment: true, state: true, retryAfterMs: true, reason: true, trips: true },
  'breaker:close': { timestamp: true, taskId: true, model: true, deployment: true, state: true, retryAfterMs: true, reason: true, trips: true },
  fallback: { timestamp: true, taskId: true, from: true, to: true, reason: true, skipped: true },
  'deployment:failover': { timestamp: true, taskId: true, model: true, from: true, to: true, reason: true },
  exhausted: { timestamp: true, taskId: true, failures: true },
  'budget:warning': { timestamp: true, taskId: true, scope: true, key: true, unit: true, limit: true, used: true, reserved: true, threshold: true },
  'budget:exceeded': { timestamp: true, taskId: true, scope: true, key: true, unit: true, limit: true, used: true, reserved: true, model: true, action: true, requested: true },
  'budget:usage': {
    timestamp: true,
    taskId: true,
    model: true,
    inputTokens: true,
    outputTokens: true,
    cachedInputTokens: true,
    cacheWriteTokens: true,
    reasoningTokens: true,
    costUsd: true,
    estimated: true,
  },
  'budget:usage-warning': { timestamp: true, taskId: true, model: true, reason: true, detail: true },
  'health:change': { timestamp: true, taskId: true, model: true, from: true, to: true, reasons: true, errorRate: true, p95LatencyMs: true, breaker: true },
  anomaly: { timestamp: true, taskId: true, model: true, metric: true, value: true, baseline: true, zScore: true, method: true, threshold: true, intervalMs: true },
  alert: { timestamp: true, taskId: true, level: true, rule: true, key: true, message: true, model: true, scope: true, value: true, threshold: true },
  'stream:committed': { timestamp: true, taskId: true, model: true, deployment: true, attempt: true, ttftMs: true, bufferedChunks: true },
  'stream:failed': { timestamp: true, taskId: true, model: true, deployment: true, attempt: true, kind: true, chunks: true, ttftMs: true, durationMs: true },
  'stream:end': { timestamp: true, taskId: true, model: true, deployment: true, attempt: true, outcome: true, chunks: true, ttftMs: true, durationMs: true, usage: true },
  'stream:resumed': { timestamp: true, taskId: true, model: true, resumedOn: true, afterChunks: true, afterChars: true, resume: true, reason: true, usage: true, usageEstimated: true },
  'stream:resume-refused': { timestamp: true, taskId: true, model: true, reason: true, afterChunks: true },
  'stream:usage-requested': { timestamp: true, taskId: true, model: true },
  'limit:wait': { timestamp: true, taskId: true, model: true, waitMs: true, reason: true },
  'hedge:started': { timestamp: true, taskId: true, model: true, hedge: true, delayMs: true },
  'hedge:won': { timestamp: true, taskId: true, model: true, loser: true },
  'hedge:cancelled': { timestamp: true, taskId: true, model: true },
  ratelimit: { timestamp: true, taskId: true, model: true, deployment: true, info: true },
  'store:degraded': { timestamp: true, taskId: true, store: true, reason: true, message: true },
  'store:recovered': { timestamp: true, taskId: true, store: true, degradedMs: true, reconciledKeys: true },
};
const RUN_OPTIONS: Fields<RunOptions> = {
  hedge: true,
  conditions: true,
  models: true,
  provider: true,
  taskId: true,
  signal: true,
  timeoutMs: true,
  deadlineMs: true,
  request: true,
  estimate: true,
  usage: true,
  stream: true,
};

describe('docs/options.md', () => {
  const table = rows(doc('options.md'));
  // Nested defaults (retry.budget) are documented one row per leaf.
  const flat = (prefix: string, o: object): [string, unknown][] =>
    Object.entries(o).flatMap(([k, v]) => (v !== null && typeof v === 'object' ? flat(`${prefix}.${k}`, v as object) : [[`${prefix}.${k}`, v] as [string, unknown]]));
  const defaults: [string, unknown][] = [...flat('retry', RETRY_DEFAULTS), ...flat('breaker', BREAKER_DEFAULTS), ...flat('adaptiveTimeout', ADAPTIVE_TIMEOUT_DEFAULTS)];

  it.each(defaults)('documents %s with its default %s', (path, value) => {
    const row = table.get(path);
    expect(row, `${path} is in the table`).toBeDefined();
    expect(row![1]).toBe(`\`${typeof value === 'string' ? `'${value}'` : String(value)}\``);
  });

  it('documents every top-level option and every run option', () => {
    for (const key of Object.keys(coreOptionShape())) expect(table.has(key), key).toBe(true);
    const runSection = doc('options.md').split('## `client.run')[1]!;
    for (const key of Object.keys(RUN_OPTIONS)) expect(rows(runSection).has(key), `run option ${key}`).toBe(true);
  });

  it('shows in examples/options-defaults.ts exactly the defaults the code applies', () => {
    expect(defaultOptions.retry).toEqual(RETRY_DEFAULTS);
    expect(defaultOptions.breaker).toEqual(BREAKER_DEFAULTS);
    expect(defaultOptions.adaptiveTimeout).toEqual(ADAPTIVE_TIMEOUT_DEFAULTS);
    expect(defaultOptions.budget).toBeUndefined();
    // The monitor's defaults are resolved, not stored in one constant: what the
    // file spells out must resolve to exactly what leaving `monitor` out gives.
    expect(resolveMonitorOptions(defaultOptions.monitor)).toEqual(resolveMonitorOptions(undefined));
    expect(defaultOptions.stream).toEqual({});
    expect(resolveLimits(defaultOptions.limits)).toEqual(resolveLimits(undefined));
    expect(defaultOptions.content).toEqual({ fitOutput: false, onRefusal: 'return' });
    expect(defaultOptions.hedge).toBeUndefined();
    expect(Object.keys(defaultOptions).sort()).toEqual(Object.keys(coreOptionShape()).sort());
  });
});

describe('docs/events.md', () => {
  const text = doc('events.md');
  const sections = new Map(
    text
      .split(/^## /m)
      .slice(1)
      .map((s) => [/^`([^`]+)`/.exec(s)?.[1] ?? '', s] as const),
  );

  it('has a section for every event and no other', () => {
    expect([...sections.keys()].filter((k) => k !== '').sort()).toEqual(Object.keys(EVENT_FIELDS).sort());
  });

  it.each(Object.entries(EVENT_FIELDS))('lists exactly the payload fields of %s', (name, fields) => {
    const section = sections.get(name);
    expect(section).toBeDefined();
    expect([...rows(section!).keys()].sort()).toEqual(Object.keys(fields).sort());
  });
});

describe('docs/concepts.md classification table', () => {
  const table = rows(doc('concepts.md'));
  const yn = (b: boolean) => (b ? 'yes' : 'no');

  it.each(Object.entries(KIND_TRAITS))('states the traits of %s', (kind, traits) => {
    const row = table.get(kind);
    expect(row, `${kind} is in the table`).toBeDefined();
    expect(row!.slice(1, 4)).toEqual([yn(traits.retryable), yn(traits.fallback), yn(traits.countsAsFailure)]);
  });

  it('lists no kind the classifier does not have', () => {
    const kinds = new Set<string>(Object.keys(KIND_TRAITS));
    const listed = [...table.keys()].filter((k) => /^[a-z_]+$/.test(k) && table.get(k)!.length === 4);
    expect(listed.filter((k) => !kinds.has(k))).toEqual([]);
  });
});

describe('docs/errors.md', () => {
  // One instance of every error class the package exports, as the library builds them.
  const INSTANCES: readonly Error[] = [
    new api.ResilienceError('CONFIG', 'x'),
    new api.ConfigError([{ path: 'retry', message: 'x' }]),
    new api.AllModelsFailedError([], 1),
    new api.CircuitOpenError('m', 1),
    new api.TimeoutError('m', 1),
    new api.QueueFullError('m', 1),
    new api.NoCapacityError('m', 1, 'wait_limit'),
    new api.BudgetExceededError({ scope: 'day', key: 'k', model: 'm', action: 'reject', unit: 'usd', limit: 1, used: 1, reserved: 0, requested: 1 }),
    new api.BudgetStoreError('reserve', 'k', 'm', new Error('x'), false),
    new api.StreamInterruptedError('m', 'network', { chunks: 1, ttftMs: 1, durationMs: 1 } as never, new Error('x')),
    new api.ContextWindowError(undefined, 'x', 1, 1),
    new api.RefusedError('m'),
    new api.ResultRejectedError('m', 'retry', undefined, false),
    new api.DisposedError(),
  ];

  it('states the code, the guard and every public field of each error class', () => {
    const table = rows(doc('errors.md'));
    const exported = Object.keys(api).filter((k) => /Error$/.test(k) && k !== 'classifyError' && !k.startsWith('is'));
    expect(INSTANCES.map((e) => e.name).sort()).toEqual(exported.sort());
    for (const error of INSTANCES) {
      const row = table.get(error.name);
      expect(row, `${error.name} is in the table`).toBeDefined();
      const [code, guard, , fields] = row!;
      if (error.name !== 'ResilienceError') expect(code, `${error.name}'s code`).toBe(`\`${(error as { code?: string }).code}\``);
      const isGuard = (api as Record<string, unknown>)[guard!.replace(/`/g, '')];
      expect(typeof isGuard === 'function' && (isGuard as (v: unknown) => boolean)(error), `${error.name}'s guard ${guard}`).toBe(true);
      // Public fields: the enumerable ones, plus `failures` (kept off the enumerable keys for loggers).
      const own = [...Object.keys(error), ...(Object.hasOwn(error, 'failures') ? ['failures'] : [])].filter((k) => !['name', 'code', 'message'].includes(k));
      for (const field of own) expect(fields, `${error.name}.${field} is documented`).toContain(`\`${field}`);
    }
  });

  it('lists every exported error class and guard', () => {
    const text = doc('errors.md');
    const names = Object.keys(api).filter((k) => /Error$/.test(k) && k !== 'classifyError');
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of names) expect(text, name).toContain(`\`${name}\``);
  });
});

describe('numbers and behaviours stated in prose', () => {
  it('docs/monitoring.md lists exactly the failure kinds the monitor does not count', () => {
    const para = doc('monitoring.md').split("How an attempt's failure is counted")[1]!.split('are not counted')[0]!.split('→ timeout;')[1]!;
    const listed = [...para.matchAll(/`(\w+)`/g)].map((m) => m[1]!).sort();
    const uncounted = (Object.keys(KIND_TRAITS) as (keyof typeof KIND_TRAITS)[]).filter((k) => outcomeOf(k) === undefined).sort();
    expect(listed).toEqual(uncounted);
  });

  it('README and docs/providers.md multiply SDK retries with the defaults: (1 + maxRetries) × (1 + the SDK default of 2)', async () => {
    const { default: OpenAI } = await import('openai');
    const sdk = new OpenAI({ apiKey: 'x' }).maxRetries;
    const ours = RETRY_DEFAULTS.maxRetries;
    const fact = `${ours + 1} × ${sdk + 1} = ${(ours + 1) * (sdk + 1)}`;
    expect(readFileSync(`${root}/README.md`, 'utf8')).toContain(fact);
    expect(doc('providers.md').replace(/\s+/g, ' ')).toContain(fact);
    expect(doc('providers.md')).not.toMatch(/3 × 3 = 9/);
  });

  it('the quick start and the 429 triage describe a 429 spilling to the next model, not a retry of the same one', () => {
    expect(readFileSync(`${root}/README.md`, 'utf8')).not.toContain('so you see one retry');
    const triage = doc('providers.md').split('## 429 triage')[1]!.split('\n## ')[0]!;
    const row = triage.split('\n').find((l) => l.startsWith('| 429 transient'))!;
    expect(row).toMatch(/spills at once to a later model/);
  });
});
