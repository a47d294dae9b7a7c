import * as z from '../options/zod.js';
import { fn, longMs, nonNegativeInt, positiveInt, positiveMs, schemaOnFirstUse } from '../options/schema-helpers.js';
import type { BudgetAction } from './events.js';
import { isValidTimeZone } from './period.js';
import type { ModelPrice, PriceTable } from './pricing.js';
import type { BudgetStore } from './store.js';

/** Limits of one scope. Give tokens, USD, or both; a call must fit under every limit given. */
export interface BudgetLimit {
  /**
   * Tokens (input + output) per period.
   * @example 2_000_000
   */
  readonly maxTokens?: number | undefined;
  /**
   * Cost in USD per period, priced with `budget.prices`.
   * @example 25
   */
  readonly maxCostUsd?: number | undefined;
  /** What to do when a call does not fit this scope. @default budget.action */
  readonly action?: BudgetAction | undefined;
}

export interface WindowLimit extends BudgetLimit {
  /**
   * Length of the rolling window in ms.
   * @example 3_600_000 // the last hour
   */
  readonly windowMs: number;
  /**
   * Slots the window is counted in; it slides by `windowMs / buckets`.
   * @default 60
   */
  readonly buckets?: number | undefined;
}

export interface BudgetOptions {
  /** Currency of every `maxCostUsd` and price. Only USD is supported. @default 'USD' */
  readonly currency?: 'USD' | undefined;
  /**
   * Per task: all calls made with the same `taskId` (calls without one are not counted here).
   * @example { maxTokens: 200_000 }
   */
  readonly task?: BudgetLimit | undefined;
  /**
   * Per calendar day in `timeZone`.
   * @example { maxCostUsd: 50, action: 'fallback' }
   */
  readonly day?: BudgetLimit | undefined;
  /**
   * Per model, per calendar day in `timeZone`.
   * @example { 'claude-opus-4-5': { maxCostUsd: 10, action: 'fallback' } }
   */
  readonly models?: Readonly<Record<string, BudgetLimit>> | undefined;
  /**
   * A rolling window, e.g. the last hour.
   * @example { windowMs: 3_600_000, maxTokens: 500_000 }
   */
  readonly window?: WindowLimit | undefined;
  /** Default action for every scope at 100%. @default 'reject' */
  readonly action?: BudgetAction | undefined;
  /**
   * Fractions of a limit at which `budget:warning` fires, once per scope period each.
   * @default [0.9]
   * @example [0.5, 0.9, 1]
   */
  readonly thresholds?: readonly number[] | undefined;
  /**
   * IANA time zone whose midnight starts a new day.
   * @default 'UTC'
   * @example 'America/Los_Angeles'
   */
  readonly timeZone?: string | undefined;
  /**
   * Prices in USD per million tokens, merged over {@link DEFAULT_PRICES} (yours win).
   * @example { 'my-finetune': { input: 3, output: 12, cachedInput: 1.5 } }
   */
  readonly prices?: PriceTable | undefined;
  /** Use only `prices`, ignoring the built-in table. @default false */
  readonly replaceDefaultPrices?: boolean | undefined;
  /** Where totals are kept. @default new MemoryBudgetStore() */
  readonly store?: BudgetStore | undefined;
  /**
   * What a call does when the store fails (throws, or does not answer within
   * `storeTimeoutMs`) while reserving: `'closed'` refuses it with
   * `BudgetStoreError` (nothing is sent); `'open'` lets it go ahead unreserved
   * and counts its usage when the store answers again. Either way every scope
   * held before the failure is released and `budget:usage-warning`
   * (`reason: 'store'`) is emitted.
   * @default 'closed'
   */
  readonly onStoreError?: 'closed' | 'open' | undefined;
  /**
   * A store operation not answered within this many ms is a store failure.
   * Not applied to the default in-memory store, which answers synchronously.
   * @default 5_000
   */
  readonly storeTimeoutMs?: number | undefined;
  /**
   * A task's totals are dropped once the task has made no call for this long,
   * so a process that sees a new `taskId` per request keeps bounded memory.
   * Past days and window buckets are dropped when their period ends.
   * @default 86_400_000 (24 h)
   */
  readonly taskTtlMs?: number | undefined;
  /** Output tokens reserved when a request sets no output cap. @default 4096 */
  readonly defaultOutputTokens?: number | undefined;
  /**
   * Counts tokens in a text, replacing the chars/4 heuristic when estimating input.
   * @example (text) => encoder.encode(text).length
   */
  readonly tokenizer?: ((text: string) => number) | undefined;
}

const money = () =>
  z.number({ error: 'expected a non-negative number of USD' }).check(z.gte(0, { error: 'expected a non-negative number of USD' }));
const tokens = () =>
  z.number({ error: 'expected a non-negative number of tokens' }).check(z.gte(0, { error: 'expected a non-negative number of tokens' }));
const action = () => z.enum(['reject', 'fallback', 'warn-only'], { error: "expected 'reject', 'fallback' or 'warn-only'" });

const limitShape = () => ({
  maxTokens: z.optional(tokens()),
  maxCostUsd: z.optional(money()),
  action: z.optional(action()),
});
const hasALimit = (l: { maxTokens?: number | undefined; maxCostUsd?: number | undefined }) => l.maxTokens !== undefined || l.maxCostUsd !== undefined;
const LIMIT_REQUIRED = { error: 'expected maxTokens and/or maxCostUsd' };

export const budgetLimitSchema = schemaOnFirstUse(() => z.strictObject(limitShape()).check(z.refine(hasALimit, LIMIT_REQUIRED)));

export const windowLimitSchema = schemaOnFirstUse(() => z.strictObject({
    ...limitShape(),
    windowMs: longMs(),
    buckets: z.optional(positiveInt().check(z.lte(3_600, { error: 'expected at most 3600' }))),
  }).check(z.refine(hasALimit, LIMIT_REQUIRED)));

const perMillion = () =>
  z.number({ error: 'expected a non-negative price in USD per million tokens' }).check(z.gte(0, { error: 'expected a non-negative price in USD per million tokens' }));

const tierSchema = schemaOnFirstUse(() => z.strictObject({
  aboveInputTokens: nonNegativeInt(),
  input: perMillion(),
  output: perMillion(),
  cachedInput: z.optional(perMillion()),
  cacheWrite: z.optional(perMillion()),
}));

export const modelPriceSchema = schemaOnFirstUse(() => z.strictObject({
  input: perMillion(),
  output: perMillion(),
  cachedInput: z.optional(perMillion()),
  cacheWrite: z.optional(perMillion()),
  tiers: z.optional(z.readonly(z.array(tierSchema(), { error: 'expected an array of { aboveInputTokens, input, output } tiers' }))),
}));

const storeSchema = schemaOnFirstUse(() => z.custom<BudgetStore>(
  (v) => {
    const s = v as Partial<BudgetStore> | null;
    return typeof s === 'object' && s !== null && ['get', 'reserve', 'settle', 'release'].every((k) => typeof (s as Record<string, unknown>)[k] === 'function');
  },
  { error: 'expected a budget store with get(), reserve(), settle() and release()' },
));

export const budgetOptionsSchema = schemaOnFirstUse(() => z.strictObject({
  currency: z.optional(z.literal('USD', { error: "expected 'USD' (the only supported currency)" })),
  task: z.optional(budgetLimitSchema()),
  day: z.optional(budgetLimitSchema()),
  models: z.optional(z.record(z.string().check(z.minLength(1, { error: 'expected a model name' })), budgetLimitSchema(), { error: 'expected an object of model name → limits' })),
  window: z.optional(windowLimitSchema()),
  action: z.optional(action()),
  thresholds: z.optional(z.array(
      z.number({ error: 'expected a threshold in (0, 1]' }).check(z.gt(0, { error: 'expected a threshold in (0, 1]' }), z.lte(1, { error: 'expected a threshold in (0, 1]' })),
      { error: 'expected an array of thresholds in (0, 1]' },
    )),
  timeZone: z.optional(z.string({ error: "expected an IANA time zone such as 'Europe/Paris'" }).check(z.refine(isValidTimeZone, { error: "expected an IANA time zone such as 'Europe/Paris'" }))),
  prices: z.optional(z.record(z.string().check(z.minLength(1, { error: 'expected a model name' })), modelPriceSchema(), { error: 'expected an object of model name → prices' })),
  replaceDefaultPrices: z.optional(z.boolean({ error: 'expected true or false' })),
  store: z.optional(storeSchema()),
  onStoreError: z.optional(z.enum(['closed', 'open'], { error: "expected 'closed' or 'open'" })),
  storeTimeoutMs: z.optional(positiveMs()),
  taskTtlMs: z.optional(longMs()),
  defaultOutputTokens: z.optional(nonNegativeInt()),
  tokenizer: z.optional(fn<(text: string) => number>('a function (text) => number of tokens')),
}));

// Keeps the schema and the public type from drifting apart: each must accept the other.
type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Stripped<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };
const schemaMatchesType: Equals<keyof z.input<ReturnType<typeof budgetOptionsSchema>>, keyof BudgetOptions> = true;
const priceMatches: Equals<Stripped<z.input<ReturnType<typeof modelPriceSchema>>>, Stripped<ModelPrice>> = true;
void schemaMatchesType;
void priceMatches;
