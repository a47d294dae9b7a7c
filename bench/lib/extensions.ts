import * as source from '../../src/index.js';
import type { ResilientClient, ResilientClientOptions } from '../../src/index.js';

type Lib = Pick<typeof source, 'ResilientClient' | 'isConfigError'>;

/**
 * Client options being built in parallel (budget, monitor, rate limits). Until
 * the lead wires one into the client, the client rejects it as an unknown
 * option and every bench / soak subject that needs it prints
 * "n/a (not wired yet)". When one lands, adjust `options` here to a realistic
 * configuration; nothing else needs to change.
 */
export const EXTENSIONS = {
  // A limit that is checked on every call but never reached: we measure the bookkeeping, not a refusal.
  budget: { label: 'budget', options: { day: { maxTokens: 1_000_000_000 } } as unknown },
  monitor: { label: 'monitor', options: {} as unknown },
  // Configured but never binding, so a sequential bench measures the limiter's cost, not its
  // waiting; bench/run.ts reports that ceiling beside a real 30,000 requests/minute tier.
  limits: { label: 'rate limit', options: { default: { requestsPerMinute: 1_000_000_000, maxConcurrent: 10_000 } } as unknown },
} as const;

export type ExtensionKey = keyof typeof EXTENSIONS;

export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Tries to construct a client with `key` set. An unknown-option ConfigError
 * means "not wired yet"; any other ConfigError means the guess in
 * {@link EXTENSIONS} no longer matches the real option shape.
 */
export function probeExtension(key: ExtensionKey, lib: Lib = source): Availability {
  let client: ResilientClient | undefined;
  try {
    client = new lib.ResilientClient({ models: ['probe'], [key]: EXTENSIONS[key].options } as ResilientClientOptions);
    return { ok: true };
  } catch (error) {
    if (lib.isConfigError(error)) {
      if (error.issues.some((i) => i.path === key && i.message === 'unknown option')) return { ok: false, reason: 'n/a (not wired yet)' };
      return { ok: false, reason: `n/a (options rejected: ${error.message}; update bench/lib/extensions.ts)` };
    }
    return { ok: false, reason: `n/a (${(error as Error)?.name ?? 'error'} while constructing)` };
  } finally {
    client?.dispose();
  }
}

/** Options for every extension in `keys` that is available, or the first reason one is not. */
export function extensionOptions(keys: readonly ExtensionKey[], lib: Lib = source): { ok: true; options: Record<string, unknown> } | { ok: false; reason: string } {
  const options: Record<string, unknown> = {};
  for (const key of keys) {
    const a = probeExtension(key, lib);
    if (!a.ok) return { ok: false, reason: a.reason.replace('n/a (', `n/a (${EXTENSIONS[key].label}: `) };
    options[key] = EXTENSIONS[key].options;
  }
  return { ok: true, options };
}
