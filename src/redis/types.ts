import type { EventBase } from '../events/events.js';

/**
 * The part of an ioredis `Redis` instance this module uses, typed
 * structurally so the library never imports ioredis: pass your own client.
 * Commands are not sent while `status` says the connection is down (they
 * would wait in ioredis's offline queue and land later, after we gave up).
 */
export interface RedisLike {
  evalsha(sha1: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  /** ioredis connection status (`ready`, `reconnecting`, `end`, …). */
  readonly status?: string;
}

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

/** Events of the Redis pieces; the client merges them into its event map. */
export interface RedisEvents {
  'store:degraded': StoreDegradedEvent;
  'store:recovered': StoreRecoveredEvent;
}

export interface RedisEmitter {
  wants(name: keyof RedisEvents): boolean;
  emit<K extends keyof RedisEvents>(name: K, payload: RedisEvents[K]): void;
}
