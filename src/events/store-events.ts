import type { EventBase } from './events.js';

/** Which shared piece lost (or regained) Redis. */
export type StoreName = 'budget' | 'breaker' | 'limits';

export interface StoreDegradedEvent extends EventBase {
  readonly store: StoreName;
  /** `timeout`: no answer within `timeoutMs`; `disconnected`: the client reported the connection down; `error`: Redis answered with an error or the command failed. */
  readonly reason: 'timeout' | 'disconnected' | 'error';
  /** The failure's message, credentials (a Redis URL's password, API keys) masked. */
  readonly message: string;
}

export interface StoreRecoveredEvent extends EventBase {
  readonly store: StoreName;
  /** How long the store ran on local state. */
  readonly degradedMs: number;
  /** Keys whose local changes were written back to Redis. */
  readonly reconciledKeys: number;
}

/** Events of the shared stores (the Redis pieces); the client merges them into its event map. */
export interface RedisEvents {
  'store:degraded': StoreDegradedEvent;
  'store:recovered': StoreRecoveredEvent;
}
