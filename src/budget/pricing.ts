import type { Usage } from '../usage/extract.js';

/** Prices of one model in USD per million tokens. */
export interface ModelPrice {
  /** Uncached input. */
  readonly input: number;
  /** Output, reasoning included. */
  readonly output: number;
  /** Input read from the prompt cache. @default the `input` price */
  readonly cachedInput?: number;
  /** Input written to the prompt cache (Anthropic's 5-minute write price). @default the `input` price */
  readonly cacheWrite?: number;
}

/** Model id → price. Keys are the ids you pass in `models` (dated snapshots resolve to their base id). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * When the default prices were read. They come from the providers' public
 * pricing pages (OpenAI: developers.openai.com/api/docs/pricing, Anthropic:
 * platform.claude.com/docs/en/about-claude/pricing) and go stale: pass
 * `budget.prices` to correct or extend them. Long-context surcharges, batch
 * and priority tiers are not modelled.
 */
export const PRICES_AS_OF = '2026-06-01';

const p = (input: number, output: number, cachedInput: number, cacheWrite?: number): ModelPrice =>
  Object.freeze(cacheWrite === undefined ? { input, output, cachedInput } : { input, output, cachedInput, cacheWrite });

/** A small table of current models, as of {@link PRICES_AS_OF}. */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  // OpenAI: cache writes are not billed separately.
  'gpt-5.5': p(5, 30, 0.5),
  'gpt-5.4': p(2.5, 15, 0.25),
  'gpt-5.4-mini': p(0.75, 4.5, 0.075),
  'gpt-5.4-nano': p(0.2, 1.25, 0.02),
  'gpt-5': p(1.25, 10, 0.125),
  'gpt-5-mini': p(0.25, 2, 0.025),
  'gpt-5-nano': p(0.05, 0.4, 0.005),
  'gpt-4.1': p(2, 8, 0.5),
  'gpt-4.1-mini': p(0.4, 1.6, 0.1),
  'gpt-4.1-nano': p(0.1, 0.4, 0.025),
  'gpt-4o': p(2.5, 10, 1.25),
  'gpt-4o-mini': p(0.15, 0.6, 0.075),
  // Anthropic: cache reads 0.1× input, 5-minute cache writes 1.25× input.
  'claude-opus-4-6': p(5, 25, 0.5, 6.25),
  'claude-opus-4-5': p(5, 25, 0.5, 6.25),
  'claude-opus-4-1': p(15, 75, 1.5, 18.75),
  'claude-sonnet-4-6': p(3, 15, 0.3, 3.75),
  'claude-sonnet-4-5': p(3, 15, 0.3, 3.75),
  'claude-sonnet-4': p(3, 15, 0.3, 3.75),
  'claude-haiku-4-5': p(1, 5, 0.1, 1.25),
  'claude-3-5-haiku': p(0.8, 4, 0.08, 1),
});

// `-2025-04-14` (OpenAI snapshots), `-20250929` (Anthropic snapshots), `-latest`.
const SNAPSHOT_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;
// `openai/gpt-4.1`, `anthropic:claude-…` (gateway and registry ids).
const PROVIDER_PREFIX = /^[a-z][a-z0-9-]*[/:]/;

/**
 * The price of `model`: an exact key first, then the id without a provider
 * prefix and without a snapshot date. Never a looser prefix match: pricing
 * `gpt-5.4-pro` as `gpt-5.4` would under-count a budget twelvefold.
 */
export function priceFor(model: string, table: PriceTable): ModelPrice | undefined {
  // Looked up on every settled call: remember each model's answer per (frozen) table.
  let memo = PRICE_MEMO.get(table);
  if (!memo) PRICE_MEMO.set(table, (memo = new Map()));
  if (memo.has(model)) return memo.get(model);
  const has = (k: string) => (Object.hasOwn(table, k) ? table[k] : undefined);
  const bare = model.replace(PROVIDER_PREFIX, '');
  const price = has(model) ?? has(bare) ?? has(bare.replace(SNAPSHOT_SUFFIX, ''));
  if (Object.isFrozen(table) && memo.size < 10_000) memo.set(model, price);
  return price;
}

const PRICE_MEMO = new WeakMap<PriceTable, Map<string, ModelPrice | undefined>>();

/**
 * Cost in USD of `usage` on `model`, or `undefined` when the table has no price
 * for it. Cached reads and cache writes are priced on their own; the rest of
 * the input at the input price.
 *
 * @example
 * costOf('gpt-4.1', { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, DEFAULT_PRICES) // → 2
 */
export function costOf(model: string, usage: Pick<Usage, 'inputTokens' | 'outputTokens'> & Partial<Usage>, table: PriceTable = DEFAULT_PRICES): number | undefined {
  const price = priceFor(model, table);
  if (!price) return undefined;
  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheWriteTokens ?? 0;
  const fresh = Math.max(0, usage.inputTokens - cached - written);
  const micro =
    fresh * price.input + cached * (price.cachedInput ?? price.input) + written * (price.cacheWrite ?? price.input) + usage.outputTokens * price.output;
  return micro / 1_000_000;
}

/** The defaults overlaid with the user's entries, or the user's table alone when `replace` is set. */
export function mergePrices(user: PriceTable | undefined, replace = false): PriceTable {
  return Object.freeze({ ...(replace ? {} : DEFAULT_PRICES), ...(user ?? {}) });
}
