import { CATALOG, modelFacts, tierFor } from '../catalog/catalog.js';
import { CATALOG_DATA } from '../catalog/data.js';
import type { PriceTier } from '../catalog/types.js';
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
  /**
   * Long-context prices: a request whose input exceeds a tier's
   * `aboveInputTokens` is billed at that tier's rates, all of it.
   */
  readonly tiers?: readonly PriceTier[];
}

/** Model id → price. Keys are the ids you pass in `models` (dated snapshots resolve to their base id). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * The date of the built-in prices: the publication date of the model catalog
 * they come from ({@link CATALOG}). Pass `budget.prices` to correct or extend
 * them; yours win. Batch and priority tiers are not modelled.
 */
export const PRICES_AS_OF: string = CATALOG.asOf;

/** OpenAI and Anthropic models from the catalog, keyed by the catalog's id. */
export const DEFAULT_PRICES: PriceTable = Object.freeze(Object.fromEntries(CATALOG_DATA.models.map((m) => [m.id, Object.freeze(m.price)])));

// `-2025-04-14` (OpenAI snapshots), `-20250929` (Anthropic snapshots), `-latest`.
const SNAPSHOT_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;
// `openai/gpt-4.1`, `anthropic:claude-…` (gateway and registry ids).
const PROVIDER_PREFIX = /^[a-z][a-z0-9-]*[/:]/;

const PRICE_MEMO = new WeakMap<PriceTable, Map<string, ModelPrice>>();
/** Memoized "this model has no price". */
const NO_PRICE: ModelPrice = Object.freeze({ input: 0, output: 0 });
let lastTable: PriceTable | undefined;
let lastMemo: Map<string, ModelPrice> | undefined;
/** The model last found in the last table's memo, and what the memo holds for it (entries never change once set). */
let lastModel: string | undefined;
let lastHit: ModelPrice | undefined;

/**
 * The price of `model`: an exact key first, then the id without a provider
 * prefix and without a snapshot date, then the catalog's canonical id for it
 * (its aliases and dated snapshots). Never a looser prefix match of our own:
 * pricing `gpt-5.4-pro` as `gpt-5.4` would under-count a budget twelvefold.
 */
export function priceFor(model: string, table: PriceTable): ModelPrice | undefined {
  // Looked up on every settled call: remember each model's answer per (frozen) table. A client
  // uses one table, so the last one's memo is kept at hand (a WeakMap lookup costs more than the rest).
  let memo: Map<string, ModelPrice> | undefined;
  if (table === lastTable) {
    if (model === lastModel) return lastHit === NO_PRICE ? undefined : lastHit;
    memo = lastMemo;
  } else {
    memo = PRICE_MEMO.get(table);
    lastModel = undefined;
  }
  if (!memo) PRICE_MEMO.set(table, (memo = new Map()));
  lastTable = table;
  lastMemo = memo;
  const hit = memo.get(model);
  if (hit !== undefined) {
    lastModel = model;
    lastHit = hit;
    return hit === NO_PRICE ? undefined : hit;
  }
  const price = lookUp(model, table);
  if (Object.isFrozen(table) && memo.size < 10_000) memo.set(model, price ?? NO_PRICE);
  return price;
}

/**
 * {@link priceFor}'s search, on a miss of its memo. A function of its own: the closures here capture
 * `table`, and a function whose parameters are captured builds their context on every call, the hit
 * on every settled call included.
 */
function lookUp(model: string, table: PriceTable): ModelPrice | undefined {
  const has = (k: string) => (Object.hasOwn(table, k) ? table[k] : undefined);
  const bare = model.replace(PROVIDER_PREFIX, '');
  const canonical = () => {
    const id = modelFacts(bare)?.id;
    return id === undefined ? undefined : has(id);
  };
  return has(model) ?? has(bare) ?? has(bare.replace(SNAPSHOT_SUFFIX, '')) ?? canonical();
}

/**
 * Cost in USD of `usage` on `model`, or `undefined` when the table has no price
 * for it. Cached reads and cache writes are priced on their own; the rest of
 * the input at the input price. Above a long-context tier's input size the
 * whole request is billed at the tier's prices.
 *
 * @example
 * costOf('gpt-4.1', { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, DEFAULT_PRICES) // → 2
 */
export function costOf(model: string, usage: Pick<Usage, 'inputTokens' | 'outputTokens'> & Partial<Usage>, table: PriceTable = DEFAULT_PRICES): number | undefined {
  const base = priceFor(model, table);
  if (!base) return undefined;
  const price = (base.tiers && tierFor(base.tiers, usage.inputTokens)) || base;
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

export interface PricesInfo {
  /** `catalog`: the built-in model catalog with your `budget.prices` on top; `custom`: your table alone (`replaceDefaultPrices`). */
  readonly source: 'catalog' | 'custom';
  /** The catalog package the built-in prices were generated from; `null` for `custom`. */
  readonly catalog: string | null;
  /** The catalog's publication date (YYYY-MM-DD); `null` for `custom`. */
  readonly asOf: string | null;
  /** Models you priced yourself (your `budget.prices` keys). */
  readonly overrides: readonly string[];
}

/** What a budget snapshot says about its prices. */
export function pricesInfo(user: PriceTable | undefined, replace: boolean): PricesInfo {
  const overrides = Object.freeze(Object.keys(user ?? {}));
  return Object.freeze(
    replace
      ? { source: 'custom' as const, catalog: null, asOf: null, overrides }
      : { source: 'catalog' as const, catalog: CATALOG.source, asOf: CATALOG.asOf, overrides },
  );
}
