import { createHash } from 'node:crypto';
import { type Clock, withDeadline } from '../clock/clock.js';
import { safeErrorMessage } from '../errors/redact.js';
import type { RedisEmitter, RedisLike, StoreDegradedEvent, StoreName } from './types.js';

/** Why one Redis command did not give an answer we can use. */
export class RedisOpError extends Error {
  readonly reason: StoreDegradedEvent['reason'];
  /** True when the command may have run on the server (it was sent; no reply came back). */
  readonly maybeApplied: boolean;
  constructor(reason: StoreDegradedEvent['reason'], message: string, maybeApplied: boolean) {
    super(message);
    this.name = 'RedisOpError';
    this.reason = reason;
    this.maybeApplied = maybeApplied;
  }
}

const DOWN = new Set(['reconnecting', 'close', 'end']);

/** Masks `user:password@` in URLs and API keys: the one redaction every store error goes through. */
export const safeMessage = (error: unknown): string => safeErrorMessage(error);

export interface Script {
  readonly lua: string;
  readonly sha: string;
}

export const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

/**
 * Runs `s` as one EVALSHA (EVAL once after NOSCRIPT, e.g. after a server
 * restart flushed the script cache), bounded by `timeoutMs` on the clock.
 * Rejects with {@link RedisOpError}; never waits longer than the timeout.
 */
export function runScript(redis: RedisLike, clock: Clock, timeoutMs: number, s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  if (redis.status !== undefined && DOWN.has(redis.status)) {
    return Promise.reject(new RedisOpError('disconnected', `Redis connection is ${redis.status}`, false));
  }
  const call = async () => {
    try {
      return await redis.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!/NOSCRIPT/.test(String((error as { message?: unknown })?.message))) throw error;
      return redis.eval(s.lua, keys.length, ...keys, ...args);
    }
  };
  const timeout = () => new RedisOpError('timeout', `Redis did not answer within ${timeoutMs} ms`, true);
  return withDeadline(clock, timeoutMs, call(), timeout).catch((error: unknown) => {
    if (error instanceof RedisOpError) throw error;
    // A reply error (a script error) ran nothing; any other failure may have reached the server.
    const reply = (error as { name?: unknown })?.name === 'ReplyError';
    throw new RedisOpError('error', safeMessage(error), !reply);
  });
}

/**
 * Healthy / degraded bookkeeping for one shared piece. Degraded means "do not
 * send; decide locally" until `retryMs` has passed, then the next operation
 * probes Redis. No timer: probing rides on the caller's own operations.
 */
export class Health {
  readonly #store: StoreName;
  readonly #clock: Clock;
  readonly #emitter: RedisEmitter | undefined;
  readonly #retryMs: number;
  #since: number | undefined;
  #nextProbe = 0;

  constructor(store: StoreName, clock: Clock, emitter: RedisEmitter | undefined, retryMs: number) {
    this.#store = store;
    this.#clock = clock;
    this.#emitter = emitter;
    this.#retryMs = retryMs;
  }

  get degraded(): boolean {
    return this.#since !== undefined;
  }

  /** True when an operation may go to Redis now: healthy, or a probe is due. */
  mayTry(): boolean {
    return this.#since === undefined || this.#clock.now() >= this.#nextProbe;
  }

  /** Records a failure; the first one after a healthy spell emits `store:degraded`. */
  fail(error: unknown): void {
    const now = this.#clock.now();
    this.#nextProbe = now + this.#retryMs;
    if (this.#since !== undefined) return;
    this.#since = now;
    if (!this.#emitter?.wants('store:degraded')) return;
    const reason = error instanceof RedisOpError ? error.reason : 'error';
    this.#emitter.emit('store:degraded', { timestamp: now, store: this.#store, reason, message: safeMessage(error) });
  }

  /** Back to healthy; emits `store:recovered` when it was degraded. */
  recover(reconciledKeys: number): void {
    if (this.#since === undefined) return;
    const now = this.#clock.now();
    const degradedMs = now - this.#since;
    this.#since = undefined;
    if (this.#emitter?.wants('store:recovered')) {
      this.#emitter.emit('store:recovered', { timestamp: now, store: this.#store, degradedMs, reconciledKeys });
    }
  }
}
