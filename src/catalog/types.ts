/** Prices above an input size: the whole request is billed at these rates (long-context pricing). */
export interface PriceTier {
  /** The tier applies when the request's input exceeds this many tokens. */
  readonly aboveInputTokens: number;
  readonly input: number;
  readonly output: number;
  readonly cachedInput?: number;
  readonly cacheWrite?: number;
}

/** One catalog entry, as generated from the catalog package. */
export interface CatalogModel {
  readonly id: string;
  readonly provider: 'openai' | 'anthropic';
  readonly price: {
    readonly input: number;
    readonly output: number;
    readonly cachedInput?: number;
    readonly cacheWrite?: number;
    readonly tiers?: readonly PriceTier[];
  };
  /** Exact ids that name this model (dated snapshots, alternative spellings). */
  readonly aliases?: readonly string[];
  /** Ids starting with one of these name this model (Anthropic's dated snapshots). */
  readonly prefixes?: readonly string[];
  /** Regular expressions (source text) for ids that name this model. */
  readonly patterns?: readonly string[];
  /** Input + output tokens the model accepts, when the catalog knows it. */
  readonly contextWindow?: number;
}

export interface CatalogData {
  /** The package and version the data was generated from. */
  readonly source: string;
  /** Publication date of that catalog version (YYYY-MM-DD). */
  readonly asOf: string;
  readonly models: readonly CatalogModel[];
}
