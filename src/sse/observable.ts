/**
 * The slice of a client that the observability adapters (SSE, dashboard,
 * OpenTelemetry) read. Structural on purpose: these adapters sit at the edge
 * and must not depend on how `ResilientClient` is built, only on what it shows.
 */
export interface ObservableClient {
  /** Subscribes to one event by name; returns a function that unsubscribes. */
  // `any` keeps ResilientClient's typed generic `on<K>` assignable to this shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: any, listener: (payload: any) => void): () => void;
  /** The monitor's JSON snapshot, when the client has one. */
  snapshot?(): unknown;
  /** The configured fallback chain; used to describe models before any call. */
  readonly models?: readonly string[];
  /** The breaker state of a model as of now. */
  breakerState?(model: string): string;
  /** Number of listeners, for one event or all. */
  listenerCount?(event?: string): number;
}

/** Every event name the client emits today, and those announced for later releases. */
export const EVENT_NAMES = [
  'attempt',
  'success',
  'failure',
  'retry',
  'breaker:open',
  'breaker:half-open',
  'breaker:close',
  'fallback',
  'exhausted',
  'budget:warning',
  'budget:exceeded',
  'health:change',
  'anomaly',
  'alert',
  'ratelimit',
  'stream:committed',
  'stream:failed',
  'store:degraded',
] as const;

/**
 * What to show when the client has no monitor yet: the chain and each model's
 * breaker state, so a page that connects late still starts from the truth.
 */
export function readSnapshot(client: ObservableClient): unknown {
  if (typeof client.snapshot === 'function') return client.snapshot();
  const models = client.models ?? [];
  return {
    source: 'breakers',
    models: models.map((model) => ({
      model,
      ...(typeof client.breakerState === 'function' ? { breaker: client.breakerState(model) } : {}),
    })),
  };
}
