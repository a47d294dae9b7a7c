// A simulated provider organisation for several workers on one fake clock: one
// requests-per-minute token bucket shared by every caller (as the provider
// enforces it per organisation), OpenAI's rate-limit headers on every answer,
// and a 429 with Retry-After when the bucket is empty. With `windowMs` below a minute the
// organisation also enforces rpm × windowMs / 60 s per window (a second bucket, refilled at
// the same rate), which the headers do not show.
import type { Redis } from 'ioredis';
import type { AttemptContext } from '../../../src/index.js';
import type { FakeClock } from '../../../src/testing/index.js';

export interface Org {
  /** The attempt function every worker runs. */
  call(ctx: AttemptContext): Promise<string>;
  readonly stats: { ok: number; throttled: number };
}

export function simulatedOrg(clock: FakeClock, o: { rpm: number; latencyMs: number; format?: 'openai' | 'anthropic'; windowMs?: number }): Org {
  const rate = o.rpm / 60_000;
  let level = o.rpm;
  const short = (o.rpm * Math.min(60_000, o.windowMs ?? 60_000)) / 60_000;
  let hidden = short;
  let at = clock.now();
  const stats = { ok: 0, throttled: 0 };
  const headers = (): Record<string, string> => {
    const remaining = String(Math.max(0, Math.floor(level)));
    const fullInMs = Math.ceil((o.rpm - level) / rate);
    // Anthropic: RFC 3339 reset times, retry-after in seconds; OpenAI: Go-style durations.
    if (o.format === 'anthropic') {
      return { 'anthropic-ratelimit-requests-limit': String(o.rpm), 'anthropic-ratelimit-requests-remaining': remaining, 'anthropic-ratelimit-requests-reset': new Date(clock.now() + fullInMs).toISOString() };
    }
    return { 'x-ratelimit-limit-requests': String(o.rpm), 'x-ratelimit-remaining-requests': remaining, 'x-ratelimit-reset-requests': `${fullInMs}ms` };
  };
  return {
    stats,
    async call(ctx) {
      const now = clock.now();
      level = Math.min(o.rpm, level + (now - at) * rate);
      hidden = Math.min(short, hidden + (now - at) * rate);
      at = now;
      const ok = level >= 1 && hidden >= 1;
      if (ok) {
        level -= 1;
        hidden -= 1;
      }
      const h = headers();
      const retryAfterMs = Math.ceil((1 - Math.min(level, hidden)) / rate);
      await new Promise<void>((r) => clock.setTimeout(r, o.latencyMs));
      ctx.reportHeaders(h);
      if (ok) {
        stats.ok++;
        return 'ok';
      }
      stats.throttled++;
      throw Object.assign(new Error('429 Rate limit reached for requests'), {
        status: 429,
        headers: new Headers({ ...h, ...(o.format === 'anthropic' ? { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) } : { 'retry-after-ms': String(retryAfterMs) }) }),
        error: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests', param: null },
      });
    },
  };
}

/** A Redis client whose script calls are counted, so the driver knows when none is in flight. */
export function counted(redis: Redis): { redis: Redis; inflight(): number; calls(): number } {
  let inflight = 0;
  let calls = 0;
  const wrap =
    (fn: (...a: never[]) => Promise<unknown>) =>
    async (...a: never[]) => {
      inflight++;
      calls++;
      try {
        return await fn(...a);
      } finally {
        inflight--;
      }
    };
  const proxy = new Proxy(redis, {
    get(target, prop, receiver) {
      if (prop === 'evalsha' || prop === 'eval') return wrap((target[prop] as (...a: never[]) => Promise<unknown>).bind(target));
      return Reflect.get(target, prop, receiver);
    },
  });
  return { redis: proxy, inflight: () => inflight, calls: () => calls };
}

/**
 * Runs `done` to completion on the fake clock: whenever no Redis command is in
 * flight and the event loop has nothing left to do, the next fake timer fires.
 */
export async function driveAll(clock: FakeClock, done: Promise<unknown>, inflight: () => number): Promise<void> {
  let finished = false;
  void done.finally(() => (finished = true));
  const turn = () => new Promise<void>((r) => setImmediate(r));
  while (!finished) {
    await turn();
    if (inflight() > 0) continue;
    await turn();
    if (inflight() > 0 || finished) continue;
    if (clock.pending() > 0) await clock.next();
  }
  await done;
}
