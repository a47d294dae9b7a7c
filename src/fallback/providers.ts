import { ConfigError } from '../errors/errors.js';

/** A chain narrowed to what one provider's SDK can serve. */
export interface ServedChain {
  readonly models: readonly string[];
  /** Entries left out because they name another provider (empty when none). */
  readonly skipped: readonly string[];
}

/**
 * The entries of `chain` that `provider` can serve: those naming that provider
 * and those naming none. Without a `provider` the chain is returned as it is.
 * Throws a {@link ConfigError} naming the skipped entries when none is left:
 * sending a model to an SDK that cannot serve it would only fail remotely.
 */
export function servedBy(chain: readonly string[], provider: string | undefined, providers: ReadonlyMap<string, string>): ServedChain {
  if (provider === undefined || providers.size === 0) return { models: chain, skipped: [] };
  const models: string[] = [];
  const skipped: string[] = [];
  for (const m of chain) {
    const p = providers.get(m);
    (p === undefined || p === provider ? models : skipped).push(m);
  }
  if (models.length === 0) {
    const named = skipped.map((m) => `${m} (${providers.get(m)})`).join(', ');
    throw new ConfigError([{ path: 'run.provider', message: `no model in the chain is served by "${provider}"; skipped ${named}` }]);
  }
  return { models: skipped.length === 0 ? chain : models, skipped };
}
