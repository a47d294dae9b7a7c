import Bottleneck from 'bottleneck';
import { type RedisLimiterConfig, resolveLimiterConfig } from './options.js';
import type { RedisLike } from './types.js';

/** An ioredis client as bottleneck's clustering needs it (it duplicates it for its subscriber). */
export interface RedisLimiterClient extends RedisLike {
  duplicate(): unknown;
}

/** What {@link redisLimiterOptions} returns: one shared connection and the options of each reservoir. */
export interface RedisLimiterOptions {
  /** bottleneck's connection on your client (plus one duplicate for pub/sub), shared by every reservoir of this process. */
  readonly connection: Bottleneck.IORedisConnection;
  /**
   * Options for `new Bottleneck(...)`: the reservoir of `model`'s `unit`, the same
   * for every process (same id, same prefix), refilled to `perMinute` every
   * minute by bottleneck's Redis scripts. Concurrency, when given, is cluster-wide too.
   */
  forModel(model: string, unit: 'requests' | 'tokens', limits: { readonly maxConcurrent?: number; readonly perMinute?: number }): Bottleneck.ConstructorOptions;
  /** Unsubscribes and closes the duplicate; your own client stays open. */
  disconnect(): Promise<void>;
}

/** The parts of bottleneck's IORedisConnection (2.19) its limiter teardown goes through. */
interface ConnectionInternals {
  terminated: boolean;
  readonly subscriber: { unsubscribe(channel: string): Promise<unknown>; disconnect(): void } | undefined;
  readonly limiters: Record<string, unknown>;
  __removeLimiter__(instance: { channel(): string; channel_client(): string }): void;
}

export const noop = () => {};

/**
 * bottleneck drops the promise of each UNSUBSCRIBE it sends when a limiter
 * disconnects: if the subscriber connection closes first (our `disconnect`, or
 * the application's `redis.disconnect()`), that rejection ("Connection is
 * closed.") is unhandled and ends the process. Same steps, rejections handled,
 * and nothing sent once the connection is being shut down.
 */
function safeTeardown(connection: Bottleneck.IORedisConnection): ConnectionInternals {
  const c = connection as unknown as ConnectionInternals;
  c.__removeLimiter__ = (instance) => {
    for (const channel of [instance.channel(), instance.channel_client()]) {
      if (!c.terminated) void c.subscriber?.unsubscribe(channel).catch(noop);
      delete c.limiters[channel];
    }
  };
  return c;
}

const MINUTE = 60_000;
/** Shared keys of an idle model expire after this (bottleneck's `timeout`); the next call recreates them full. */
const IDLE_EXPIRY_MS = 10 * MINUTE;

/**
 * The bottleneck options that make every process draw from one RPM / TPM
 * reservoir per model through bottleneck's own Redis clustering.
 * Keys: `b_<prefix>limits:<unit>:<model>_settings` and siblings.
 */
export function redisLimiterOptions(redis: RedisLimiterClient, config?: RedisLimiterConfig): RedisLimiterOptions {
  const { prefix, heartbeatMs } = resolveLimiterConfig(config);
  // `Redis` is passed so bottleneck never `require`s ioredis itself: we only use the client we were given.
  const connection = new Bottleneck.IORedisConnection({ client: redis, Redis: redis.constructor });
  connection.on('error', () => {}); // surfaced per limiter; an unhandled 'error' must not crash the process
  const internals = safeTeardown(connection);
  return Object.freeze({
    connection,
    forModel(model: string, unit: 'requests' | 'tokens', limits: { readonly maxConcurrent?: number; readonly perMinute?: number }) {
      return {
        datastore: 'ioredis',
        connection,
        id: `${prefix}limits:${unit}:${model}`,
        maxConcurrent: limits.maxConcurrent ?? null,
        minTime: 0,
        reservoir: limits.perMinute ?? null,
        reservoirRefreshAmount: limits.perMinute ?? null,
        reservoirRefreshInterval: limits.perMinute ? MINUTE : null,
        heartbeatInterval: heartbeatMs,
        timeout: IDLE_EXPIRY_MS,
        clearDatastore: false,
      } satisfies Bottleneck.ConstructorOptions;
    },
    async disconnect() {
      // Closing the subscriber ends every subscription: limiters disconnected later send nothing.
      internals.terminated = true;
      internals.subscriber?.disconnect();
    },
  });
}
