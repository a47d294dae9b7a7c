import type { RedisEvents } from '../events/store-events.js';

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

export type { RedisEvents, StoreDegradedEvent, StoreName, StoreRecoveredEvent } from '../events/store-events.js';

export interface RedisEmitter {
  wants(name: keyof RedisEvents): boolean;
  emit<K extends keyof RedisEvents>(name: K, payload: RedisEvents[K]): void;
}
