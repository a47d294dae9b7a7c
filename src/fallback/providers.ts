import type { AttemptContext } from '../client/types.js';
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

/** One function per provider, each making the call for a model of that provider. */
export type ProviderHandlers = Readonly<Record<string, (context: AttemptContext) => unknown>>;

/**
 * An attempt function for `client.run` over a chain that spans providers: each
 * attempt calls the handler of the provider its model's `{ model, provider }`
 * entry names. It translates nothing: each handler builds its own request.
 * A model whose provider has no handler (or that names none) fails the call
 * with a `ConfigError`, without being sent anywhere.
 *
 * @example
 * const answer = await client.run(byProvider(client, {
 *   anthropic: ({ model, signal }) => anthropic.messages.create({ model, max_tokens: 1024, messages }, { signal }),
 *   openai: ({ model, signal }) => openai.chat.completions.create({ model, messages }, { signal }),
 * }));
 */
export function byProvider<H extends ProviderHandlers>(
  client: { providerOf(model: string): string | undefined },
  handlers: H,
): (context: AttemptContext) => Promise<Awaited<ReturnType<H[keyof H]>>> {
  return async (context): Promise<Awaited<ReturnType<H[keyof H]>>> => {
    const provider = client.providerOf(context.model);
    const handler = provider !== undefined && Object.hasOwn(handlers, provider) ? handlers[provider] : undefined;
    if (!handler) {
      const why = provider === undefined ? 'names no provider (use { model, provider } in models)' : `is served by "${provider}", which has no handler`;
      throw new ConfigError([{ path: 'byProvider', message: `model "${context.model}" ${why}; handlers: ${Object.keys(handlers).join(', ')}` }]);
    }
    return (await handler(context)) as Awaited<ReturnType<H[keyof H]>>;
  };
}
