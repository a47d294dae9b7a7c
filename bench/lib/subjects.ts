import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleAll, retry, wrap } from 'cockatiel';
import CircuitBreaker from 'opossum';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

/** A pull reader: the SDK aggregates every recording; nothing is exported during the bench. */
class PullReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}
import type { ResilientClientOptions } from '../../src/index.js';
import { extensionOptions, type ExtensionKey } from './extensions.js';
import type { Library } from './load.js';

export interface Instance {
  readonly call: () => Promise<unknown>;
  dispose(): void;
}

export interface Subject {
  readonly id: string;
  readonly label: string;
  /** An instance, or why this subject cannot run yet. */
  make(fn: () => Promise<unknown>): Instance | { readonly na: string };
}

/** The listeners a typical metrics user attaches: all three fire or are checked on every call. */
const LISTENED = ['attempt', 'success', 'failure'] as const;

/**
 * The monitor is on by default; subjects without it in `extensions` turn it off
 * explicitly, so each row adds one thing to the previous one.
 */
function ours(lib: Library, id: string, label: string, listeners: boolean, extensions: readonly ExtensionKey[]): Subject {
  return {
    id,
    label,
    make(fn) {
      const ext = extensionOptions(extensions, lib);
      if (!ext.ok) return { na: ext.reason };
      const monitorOff = extensions.includes('monitor') ? {} : { monitor: false };
      const client = new lib.ResilientClient({ models: ['primary', 'secondary'], ...monitorOff, ...ext.options } as ResilientClientOptions);
      if (listeners) for (const name of LISTENED) client.on(name, () => {});
      return { call: () => client.run(fn), dispose: () => client.dispose() };
    },
  };
}

export const cockatielSubject: Subject = {
  id: 'cockatiel',
  label: 'cockatiel 3 wrap(retry, circuitBreaker)',
  make(fn) {
    const policy = wrap(
      retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }),
      circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) }),
    );
    return { call: () => policy.execute(fn), dispose: () => {} };
  },
};

export interface Subjects {
  readonly all: readonly Subject[];
  /** Full default stack: breaker + retry + fallback + events, budget and monitor, three listeners. */
  readonly full: Subject;
  /** What exists without budget and monitor. */
  readonly core: Subject;
  readonly limited: Subject;
}

export function makeSubjects(lib: Library): Subjects {
  const full = ours(lib, 'full', 'ours: full default stack (+budget +monitor), 3 listeners', true, ['budget', 'monitor']);
  const core = ours(lib, 'core', 'ours: breaker + retry + fallback + events, 3 listeners (monitor off)', true, []);
  const limited = ours(lib, 'limited', 'ours: full stack + rate limit (non-binding), 3 listeners', true, ['budget', 'monitor', 'limits']);
  const all: Subject[] = [
    { id: 'bare', label: 'bare `await fn()`', make: (fn) => ({ call: fn, dispose: () => {} }) },
    cockatielSubject,
    {
      id: 'opossum',
      label: 'opossum 9 fire() with defaults',
      make(fn) {
        const cb = new CircuitBreaker(fn);
        return { call: () => cb.fire(), dispose: () => cb.shutdown() };
      },
    },
    ours(lib, 'ours-bare', 'ours: retry + breaker, no listeners (monitor off)', false, []),
    core,
    ours(lib, 'monitor', 'ours: + monitor (the default), 3 listeners', true, ['monitor']),
    {
      id: 'otel',
      label: 'ours: + monitor + OpenTelemetry metrics (SDK MeterProvider), 3 listeners',
      make(fn) {
        const client = new lib.ResilientClient({ models: ['primary', 'secondary'] } as ResilientClientOptions);
        for (const name of LISTENED) client.on(name, () => {});
        const provider = new MeterProvider({ readers: [new PullReader()] });
        const stop = lib.otel.instrument(client, { meter: provider.getMeter('bench') });
        return {
          call: () => client.run(fn),
          dispose: () => {
            stop();
            client.dispose();
            void provider.shutdown();
          },
        };
      },
    },
    full,
    limited,
  ];
  return { all, full, core, limited };
}
