import { CATALOG_DATA } from './data.js';
import type { CatalogModel, PriceTier } from './types.js';

export type { CatalogModel, PriceTier } from './types.js';

/** What the library knows about a model: where it comes from, its prices, its limits. */
export interface ModelFacts {
  /** The catalog's canonical id (`claude-sonnet-4-5` for `claude-sonnet-4-5-20250929`). */
  readonly id: string;
  readonly provider: 'openai' | 'anthropic';
  /** USD per million tokens; `tiers` are long-context prices that apply above an input size. */
  readonly price: CatalogModel['price'];
  /** Input + output tokens the model accepts, when known. */
  readonly contextWindow?: number;
  /** Largest `max_tokens` the model accepts, when known. */
  readonly maxOutputTokens?: number;
}

/** Where the built-in model facts come from and how fresh they are. */
export const CATALOG: { readonly source: string; readonly asOf: string; readonly models: number } = Object.freeze({
  source: CATALOG_DATA.source,
  asOf: CATALOG_DATA.asOf,
  models: CATALOG_DATA.models.length,
});

/**
 * Output limits, kept by hand: the catalog package has none, and the catalogs
 * that do (models.dev snapshots) lag behind the current models. Only limits the
 * providers document; a model missing here has no known output limit.
 */
const MAX_OUTPUT: Readonly<Record<string, number>> = Object.freeze({
  'gpt-4.1': 32_768,
  'gpt-4.1-mini': 32_768,
  'gpt-4.1-nano': 32_768,
  'gpt-4o': 16_384,
  'gpt-4o-mini': 16_384,
  'gpt-5': 128_000,
  'gpt-5-mini': 128_000,
  'gpt-5-nano': 128_000,
  o3: 100_000,
  'o4-mini': 100_000,
  'claude-opus-4-1': 32_000,
  'claude-opus-4-0': 32_000,
  'claude-opus-4-5': 64_000,
  'claude-sonnet-4-0': 64_000,
  'claude-sonnet-4-5': 64_000,
  'claude-haiku-4-5': 64_000,
  'claude-3-7-sonnet-latest': 64_000,
  'claude-3-5-haiku-latest': 8_192,
});

// `openai/gpt-4.1`, `anthropic:claude-…` (gateway and registry ids).
const PROVIDER_PREFIX = /^[a-z][a-z0-9-]*[/:]/;

interface Index {
  readonly exact: Map<string, CatalogModel>;
  /** Longest first, so `claude-opus-4-1` wins over a shorter prefix of another entry. */
  readonly prefixes: readonly (readonly [string, CatalogModel])[];
  readonly patterns: readonly (readonly [RegExp, CatalogModel])[];
}

let index: Index | undefined;

// Built on first lookup: a client that never prices a call never pays for it.
function buildIndex(): Index {
  const exact = new Map<string, CatalogModel>();
  const prefixes: [string, CatalogModel][] = [];
  const patterns: [RegExp, CatalogModel][] = [];
  for (const m of CATALOG_DATA.models) {
    exact.set(m.id, m);
    for (const a of m.aliases ?? []) if (!exact.has(a)) exact.set(a, m);
    for (const p of m.prefixes ?? []) prefixes.push([p, m]);
    for (const p of m.patterns ?? []) patterns.push([new RegExp(p), m]);
  }
  prefixes.sort((a, b) => b[0].length - a[0].length);
  return { exact, prefixes, patterns };
}

const memo = new Map<string, ModelFacts | undefined>();
const MEMO_LIMIT = 10_000;

/**
 * The catalog's facts for `model`, or `undefined` when the catalog does not
 * know it. Aliases and dated snapshots resolve to one entry
 * (`gpt-4.1-2025-04-14` → `gpt-4.1`, `claude-sonnet-4-5-20250929` →
 * `claude-sonnet-4-5`); a provider prefix (`openai/`, `anthropic:`) is ignored.
 *
 * @example
 * modelFacts('claude-sonnet-4-5-20250929')?.contextWindow // → 200000
 */
export function modelFacts(model: string): ModelFacts | undefined {
  if (memo.has(model)) return memo.get(model);
  const facts = lookup(model.replace(PROVIDER_PREFIX, ''));
  // Model names can come from callers: the memo stays bounded.
  if (memo.size < MEMO_LIMIT) memo.set(model, facts);
  return facts;
}

function lookup(id: string): ModelFacts | undefined {
  index ??= buildIndex();
  let entry = index.exact.get(id);
  if (!entry) for (const [p, m] of index.prefixes) if (id.startsWith(p)) { entry = m; break; }
  if (!entry) for (const [re, m] of index.patterns) if (re.test(id)) { entry = m; break; }
  if (!entry) return undefined;
  const maxOutputTokens = MAX_OUTPUT[entry.id];
  return Object.freeze({
    id: entry.id,
    provider: entry.provider,
    price: entry.price,
    ...(entry.contextWindow !== undefined ? { contextWindow: entry.contextWindow } : {}),
    ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
  });
}

/** The tier that applies to a request with `inputTokens` of input, if any. */
export function tierFor(tiers: readonly PriceTier[] | undefined, inputTokens: number): PriceTier | undefined {
  let found: PriceTier | undefined;
  for (const t of tiers ?? []) if (inputTokens > t.aboveInputTokens) found = t;
  return found;
}
