// The option tables of the reference pages against the code: every option of
// each options type has its row (the `Fields` maps below are exhaustive at
// typecheck time), no row names an option that does not exist, and where the
// code keeps its defaults in one place, the stated default is that one.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BudgetOptions } from '../../src/budget/options.js';
import { coreOptionParts } from '../../src/client/options.js';
import { isConfigError } from '../../src/errors/errors.js';
import { HEDGE_DEFAULTS, type HedgeOptions } from '../../src/fallback/hedge-options.js';
import { LIMITS_DEFAULTS, type LimitsOptions } from '../../src/limits/options.js';
import type { InstrumentOptions } from '../../src/otel/index.js';
import type { ResilienceMiddlewareOptions } from '../../src/providers/ai-sdk.js';
import type { WrapOpenAIOptions } from '../../src/providers/openai.js';
import {
  type RedisBreakerStateOptions,
  type RedisBudgetStoreOptions,
  type RedisLimiterConfig,
  resolveBreakerStateOptions,
  resolveBudgetStoreOptions,
  resolveLimiterConfig,
} from '../../src/redis/options.js';
import { validateOptions } from '../../src/options/validate.js';
import type { EventHistoryOptions, EventStreamOptions } from '../../src/sse/index.js';
import { type StreamOptions, type StreamResumeOptions, resolveResume } from '../../src/stream/options.js';
import { DEFAULT_OUTPUT_TOKENS } from '../../src/usage/estimate.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = (name: string) => readFileSync(`${root}/docs/${name}`, 'utf8');

type Fields<T> = { readonly [K in keyof T]-?: true };
const keys = (f: object) => Object.keys(f).sort();

/**
 * Rows of the Markdown tables in `text`, by every option their first cell
 * names (`` `task`, `day` `` is one row for two options): name → the other cells.
 */
function rows(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^\|\s*(`[^|]+`)\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cells = m[2]!.split(/(?<!\\)\|/).map((c) => c.trim());
    for (const name of m[1]!.matchAll(/`([^`]+)`/g)) out.set(name[1]!, cells);
  }
  return out;
}
/** The part of `text` from the heading or sentence `from` to the next heading of level 2. */
const section = (text: string, from: string) => {
  const start = text.indexOf(from);
  expect(start, `"${from}" is on the page`).toBeGreaterThanOrEqual(0);
  return text.slice(start).split(/\n## /)[0]!;
};
/** The first `code` of a cell, as the default is written: `'llmr:'`, `250`. */
const firstCode = (cell: string) => /`([^`]+)`/.exec(cell)?.[1];
const literal = (v: unknown) => (typeof v === 'string' ? `'${v}'` : String(v));

const BUDGET_OPTIONS: Fields<BudgetOptions> = {
  currency: true,
  task: true,
  day: true,
  models: true,
  window: true,
  action: true,
  thresholds: true,
  timeZone: true,
  prices: true,
  replaceDefaultPrices: true,
  store: true,
  onStoreError: true,
  storeTimeoutMs: true,
  taskTtlMs: true,
  defaultOutputTokens: true,
  tokenizer: true,
};

describe('budget options', () => {
  it('docs/budget.md has a row for every option, and no other', () => {
    const table = rows(section(doc('budget.md'), '## Options'));
    expect([...table.keys()].sort()).toEqual(keys(BUDGET_OPTIONS));
    expect(firstCode(table.get('defaultOutputTokens')![0]!)).toBe(String(DEFAULT_OUTPUT_TOKENS));
  });

  it('docs/options.md lists every budget option in the `budget` row', () => {
    const cell = rows(doc('options.md')).get('budget')![2]!;
    for (const key of keys(BUDGET_OPTIONS)) expect(cell, key).toContain(`${key}?`);
  });

  it('the output a call without usage settles is the default output cap wherever the docs state it', () => {
    const stated = ['budget.md', 'providers.md'].flatMap((page) =>
      [...doc(page).replace(/\s+/g, ' ').matchAll(/`max_tokens`,? or (?:`defaultOutputTokens` \()?([\d,]+)\)? output tokens/g)].map((m) => m[1]!),
    );
    expect(stated.length).toBeGreaterThanOrEqual(2);
    for (const n of stated) expect(Number(n.replace(/,/g, ''))).toBe(DEFAULT_OUTPUT_TOKENS);
  });
});

describe('client options whose defaults live in one constant', () => {
  const options = rows(doc('options.md'));

  it('docs/hedging.md states every hedge option with its default', () => {
    const table = rows(doc('hedging.md'));
    const fields: Fields<HedgeOptions> = { delayMs: true, minDelayMs: true, maxDelayMs: true, maxShare: true };
    expect(keys(HEDGE_DEFAULTS)).toEqual(keys(fields));
    for (const [key, value] of Object.entries(HEDGE_DEFAULTS)) expect(firstCode(table.get(`hedge.${key}`)?.[0] ?? ''), key).toBe(literal(value));
    for (const [key, row] of options) if (key.startsWith('hedge.')) expect(row[1], key).toBe(`\`${literal(HEDGE_DEFAULTS[key.slice(6) as keyof typeof HEDGE_DEFAULTS])}\``);
  });

  it('docs/rate-limits.md states every limits option with its default', () => {
    const table = rows(section(doc('rate-limits.md'), '## Options'));
    const fields: Fields<LimitsOptions> = { default: true, models: true, maxQueue: true, respectHeaders: true, maxWaitMs: true, minRemainingRequests: true, learnPatience: true, processes: true, maxHeaderWaitMs: true };
    for (const key of keys(fields)) expect(table.has(key) || /`maxHeaderWaitMs`/.test(table.get('maxWaitMs')?.join('|') ?? ''), key).toBe(true);
    for (const [key, value] of Object.entries(LIMITS_DEFAULTS)) {
      expect(firstCode(table.get(key)![0]!), key).toBe(literal(value));
      const row = options.get(`limits.${key}`);
      if (row) expect(firstCode(row[1]!), `options.md limits.${key}`).toBe(literal(value));
    }
    const listed = options.get('limits')![2]!;
    for (const key of keys(fields).filter((k) => k !== 'maxHeaderWaitMs')) expect(listed, key).toContain(`${key}?`);
  });

  it('docs/options.md has a row for every stream option, with the resume defaults', () => {
    const stream: Fields<StreamOptions> = { firstChunkTimeoutMs: true, stallTimeoutMs: true, idleTimeoutMs: true, bufferMs: true, bufferChunks: true, resume: true };
    const resume: Fields<StreamResumeOptions> = { model: true, maxResumes: true, instruction: true };
    for (const key of keys(stream)) expect(options.has(`stream.${key}`), `stream.${key}`).toBe(true);
    for (const key of keys(resume)) expect(options.has(`stream.resume.${key}`), `stream.resume.${key}`).toBe(true);
    const resolved = resolveResume(true)!;
    expect(firstCode(options.get('stream.resume.model')![1]!)).toBe(literal(resolved.model));
    expect(firstCode(options.get('stream.resume.maxResumes')![1]!)).toBe(literal(resolved.maxResumes));
    expect(options.get('stream.resume.instruction')![1]).toContain(resolved.instruction.slice(0, 40));
  });
});

describe('docs/distributed.md: the Redis factories', () => {
  const table = () => rows(section(doc('distributed.md'), '## Options'));
  const budget: Fields<RedisBudgetStoreOptions> = { prefix: true, timeoutMs: true, retryMs: true, onUnavailable: true, taskTtlMs: true, windowTtlMs: true, clientId: true };
  const breaker: Fields<RedisBreakerStateOptions> = { prefix: true, timeoutMs: true, retryMs: true, syncMs: true, clientId: true };
  const limiter: Fields<RedisLimiterConfig> = { prefix: true, heartbeatMs: true, shareHeaders: true, timeoutMs: true, retryMs: true };
  const columns: [string, object, Record<string, unknown>][] = [
    ['RedisBudgetStore', budget, resolveBudgetStoreOptions(undefined)],
    ['RedisBreakerState', breaker, resolveBreakerStateOptions(undefined)],
    ['createRedisLimiter', limiter, resolveLimiterConfig(undefined)],
  ];

  it('has a row for every option of the three, and no other', () => {
    expect([...table().keys()].sort()).toEqual([...new Set([...keys(budget), ...keys(breaker), ...keys(limiter)])].sort());
  });

  it.each(columns)('states the default of every option of %s, and a dash for the others', (_, fields, resolved) => {
    const column = columns.findIndex((c) => c[1] === fields);
    for (const [key, row] of table()) {
      const cell = row[column]!;
      if (!(key in fields)) expect(cell, key).toBe('—');
      else if (key in resolved) expect(firstCode(cell), key).toBe(literal(resolved[key]));
      else expect(cell, key).toBe('random');
    }
  });
});

describe('option tables of the wrappers and the observability entry points', () => {
  const sections: [string, string, string, object][] = [
    ['instrument', 'observability.md', '`instrument(client, options)` options', { meter: true, providerName: true, tracer: true, operationName: true, budget: true } satisfies Fields<InstrumentOptions>],
    [
      'createEventStream',
      'observability.md',
      '`createEventStream(client, options?)` options',
      { events: true, snapshotEveryMs: true, heartbeatMs: true, clock: true, signal: true, maxQueuedFrames: true, history: true } satisfies Fields<EventStreamOptions>,
    ],
    ['createEventHistory', 'observability.md', '`createEventHistory(client, options?)` options', { maxEvents: true, maxSnapshots: true, snapshotEveryMs: true, events: true, clock: true } satisfies Fields<EventHistoryOptions>],
    [
      'wrapOpenAI, wrapAnthropic, resilienceMiddleware',
      'providers.md',
      '## Wrapper options',
      { onRateLimit: true, clock: true, runOptions: true, embeddingModels: true, models: true, specificationVersion: true } satisfies Fields<WrapOpenAIOptions & ResilienceMiddlewareOptions>,
    ],
  ];

  it.each(sections)('%s: a row for every option, and no other', (_, page, from, fields) => {
    // The table right after `from`, up to the first blank line after it.
    const text = section(doc(page), from);
    const table = text.slice(text.indexOf('\n|')).split('\n\n')[0]!;
    expect([...rows(table).keys()].sort()).toEqual(keys(fields));
  });
});

describe('docs/options.md: the accepted values of each number option are the ones validation enforces', () => {
  const constructorSection = doc('options.md').split('## `client.run')[0]!;
  const numeric = [...rows(constructorSection)].filter(([, cells]) => /^`number( \\\|.*)?`$/.test(cells[0]!));

  /** `{ a: { b: value } }` for the path `top.a.b`, checked by the schema of `top`. */
  const accepts = (path: string, value: unknown) => {
    const [top, ...rest] = path.split('.');
    const input = rest.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
    try {
      validateOptions(coreOptionParts[top as keyof typeof coreOptionParts](), input, top);
      return true;
    } catch (error) {
      if (!isConfigError(error)) throw error;
      return false;
    }
  };

  it('reads a range for every number option', () => {
    expect(numeric.length).toBeGreaterThanOrEqual(30);
  });

  it.each(numeric)('%s', (path, cells) => {
    const stated = cells[2]!.replace(/\(.*?\)/g, '');
    const integer = /\binteger\b/.test(stated);
    const between = /(-?[\d.]+)–([\d.]+)/.exec(stated);
    const open = /in \(([\d.]+), ([\d.]+)\]/.exec(stated);
    const atLeast = /≥ ([\d.]+)/.exec(stated);
    const above = /> ([\d.]+)/.exec(stated);
    const atMost = /at most (\d+)/.exec(stated);
    const min = Number((between ?? open ?? atLeast ?? above)?.[1]);
    const minIncluded = !open && !above;
    const max = between ? Number(between[2]) : open ? Number(open[2]) : atMost ? Number(atMost[1]) : undefined;
    expect(Number.isFinite(min), `a lower bound in "${cells[2]}"`).toBe(true);
    expect(accepts(path, min), `${path} = ${min}`).toBe(minIncluded);
    expect(accepts(path, min - (integer || min === 0 ? 1 : 0.01)), `${path} below ${min}`).toBe(false);
    const inside = max === undefined ? min + 1000 : max;
    expect(accepts(path, inside), `${path} = ${inside}`).toBe(true);
    if (max !== undefined) expect(accepts(path, max + 1), `${path} = ${max + 1}`).toBe(false);
    // A fraction is refused exactly when the page says `integer`.
    expect(accepts(path, min + 0.5), `${path} = ${min + 0.5}`).toBe(!integer);
  });
});
