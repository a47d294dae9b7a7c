/**
 * The slice of a client that the observability adapters (SSE, dashboard,
 * OpenTelemetry) read. Structural on purpose: these adapters sit at the edge
 * and must not depend on how `ResilientClient` is built, only on what it shows.
 */
export interface ObservableClient {
  /** Subscribes to one event by name; returns a function that unsubscribes. */
  // `any` keeps ResilientClient's typed generic `on<K>` assignable to this shape.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  on(event: any, listener: (payload: any) => void): () => void;
  /** Plain JSON state: `{ timestamp, models, breakers, monitor? }` on `ResilientClient`. */
  snapshot?(): unknown;
  /** The budget's snapshot (`{ scopes: [...] }`), or undefined without a budget. */
  budgetSnapshot?(): Promise<unknown> | undefined;
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
  'retry:throttled',
  'breaker:open',
  'breaker:half-open',
  'breaker:close',
  'fallback',
  'deployment:failover',
  'exhausted',
  'budget:warning',
  'budget:exceeded',
  'budget:usage',
  'budget:usage-warning',
  'health:change',
  'anomaly',
  'alert',
  'ratelimit',
  'limit:wait',
  'stream:committed',
  'stream:failed',
  'stream:end',
  'stream:usage-requested',
  'stream:resumed',
  'stream:resume-refused',
  'store:degraded',
  'store:recovered',
  'hedge:started',
  'hedge:won',
  'hedge:cancelled',
] as const;

/**
 * The client's snapshot; for a client without one, the same shape built from
 * the chain and each model's breaker state, so a page that connects late still
 * starts from the truth.
 */
export function readSnapshot(client: ObservableClient, now: number): unknown {
  if (typeof client.snapshot === 'function') return client.snapshot();
  const breakers: Record<string, { state: string }> = {};
  if (typeof client.breakerState === 'function') for (const m of client.models ?? []) breakers[m] = { state: client.breakerState(m) };
  return { timestamp: now, models: client.models ?? [], breakers };
}

/** The budget snapshot, when the client has a budget; never rejects. */
export async function readBudget(client: ObservableClient): Promise<unknown> {
  try {
    return (await client.budgetSnapshot?.()) ?? undefined;
  } catch {
    return undefined; // a failing budget store must not end the feed or a metric export
  }
}
