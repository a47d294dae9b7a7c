import { ConfigError } from '../errors/errors.js';
import type { AttemptContext } from './types.js';

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
