import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { PATIENCE_KEPT, PATIENCE_SHARES, PATIENCE_WINDOW_MS, Patience } from '../../src/client/patience.js';
import { ResilientClient, createLimiter } from '../../src/index.js';
import { createRedisLimiter } from '../../src/redis/index.js';
import { PATIENCE_PULL_MS, RedisPatienceShare } from '../../src/redis/patience-share.js';
import { createFakeClock } from '../../src/testing/index.js';
import { StubRedis } from './stub-redis.js';

const config = { prefix: 'p:', timeoutMs: 100 };

/** Two processes sharing their limits on one Redis, each its own patience. */
function twoProcesses() {
  const clock = createFakeClock();
  const redis = new StubRedis(clock);
  const a = new Patience(true, new RedisPatienceShare(redis, clock, config));
  const b = new Patience(true, new RedisPatienceShare(redis, clock, config));
  return { clock, redis, a, b };
}

describe('the callers’ patience shared on Redis', () => {
  it('a process learns the figure from the aborts another process saw', async () => {
    const { clock, redis, a, b } = twoProcesses();
    for (let i = 0; i < 5; i++) a.aborted(30_000, clock.now());
    await clock.flush();
    expect(a.ms(clock.now())).toBe(30_000);
    // b never saw an abort: its first refused call reads the others' and the next one knows.
    expect(b.explore(clock.now())).toBe(true);
    await clock.flush();
    expect(b.ms(clock.now())).toBe(30_000);
    expect(b.explore(clock.now())).toBe(false);
    // One bounded key with the learning window as its TTL.
    expect([...redis.texts.keys()]).toEqual(['p:patience']);
    expect(redis.ttls.get('p:patience')).toBe(PATIENCE_WINDOW_MS);
  });

  it('counts each abort once: its own come back from Redis without being counted again', async () => {
    const { clock, a, b } = twoProcesses();
    for (let i = 0; i < 3; i++) a.aborted(30_000, clock.now());
    await clock.flush();
    a.explore(clock.now());
    await clock.flush();
    expect(a.known).toBe(false); // 3 aborts, not 6
    b.aborted(30_000, clock.now());
    await clock.flush();
    await clock.advance(PATIENCE_PULL_MS);
    a.explore(clock.now());
    await clock.flush();
    expect(a.known).toBe(false); // 4 aborts in all
    b.aborted(30_000, clock.now());
    await clock.flush();
    expect(b.ms(clock.now())).toBe(30_000); // its first publication's reply brought a's 3: 5 in all
    await clock.advance(PATIENCE_PULL_MS);
    a.explore(clock.now());
    await clock.flush();
    expect(a.ms(clock.now())).toBe(30_000);
  });

  it('reads at most once a second, and publishes only on aborts', async () => {
    const { clock, redis, a } = twoProcesses();
    a.explore(clock.now());
    await clock.flush();
    const first = redis.calls;
    for (let i = 0; i < 50; i++) a.explore(clock.now());
    for (let i = 0; i < 50; i++) a.ms(clock.now());
    await clock.advance(PATIENCE_PULL_MS - 1);
    a.explore(clock.now());
    await clock.flush();
    expect(redis.calls).toBe(first);
    await clock.advance(1);
    a.explore(clock.now());
    a.aborted(30_000, clock.now());
    await clock.flush();
    expect(redis.calls).toBe(first + 2);
    // The ring on Redis stays bounded however many aborts come: the ring, its counter, the publisher's mark and the highest.
    for (let i = 0; i < 3 * PATIENCE_KEPT; i++) a.aborted(30_000, clock.now());
    await clock.flush();
    expect(redis.texts.get('p:patience')!.size).toBe(PATIENCE_KEPT + 3);
  });

  it('a Redis that fails or does not answer leaves each process its own figure, and no call waits for it', async () => {
    const { clock, redis, a, b } = twoProcesses();
    for (const fault of ['error', 'hang', 'down'] as const) {
      redis.fault = fault;
      for (let i = 0; i < 5; i++) a.aborted(30_000, clock.now());
      expect(a.ms(clock.now())).toBe(30_000);
      expect(b.explore(clock.now())).toBe(true);
      b.explored();
      await clock.advance(PATIENCE_PULL_MS);
      expect(b.known).toBe(false);
    }
    // Back: the aborts published from now on reach the other process.
    redis.fault = 'none';
    for (let i = 0; i < 5; i++) a.aborted(30_000, clock.now());
    await clock.flush();
    b.explore(clock.now());
    await clock.flush();
    expect(b.ms(clock.now())).toBe(30_000);
  });

  it('a client whose limiter has a share publishes its callers’ aborts, and reads nothing while it refuses nothing', async () => {
    const clock = createFakeClock();
    const published: number[] = [];
    let pulls = 0;
    const limiter = createLimiter({}, { clock });
    PATIENCE_SHARES.set(limiter, { publish: (elapsed) => published.push(elapsed), pull: () => void pulls++ });
    const client = new ResilientClient({ models: ['m'], clock, monitor: false, shared: { limiter: () => limiter } });
    const hang = (ctx: { signal: AbortSignal }) => new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    const caller = new AbortController();
    const call = client.run(hang, { signal: caller.signal });
    await clock.advance(30_000);
    caller.abort(new Error('gave up'));
    await expect(call).rejects.toThrow('gave up');
    expect(published).toEqual([30_000]);
    // A call with a deadline of its own teaches nothing, so it publishes nothing.
    const stated = new AbortController();
    const withDeadline = client.run(hang, { signal: stated.signal, deadlineMs: 60_000 });
    await clock.advance(10_000);
    stated.abort(new Error('gave up'));
    await expect(withDeadline).rejects.toThrow('gave up');
    expect(published).toEqual([30_000]);
    expect(pulls).toBe(0); // nothing refused, no figure: nothing read
    client.dispose();
  });

  it('createRedisLimiter shares the patience of the clients that use it', () => {
    const clock = createFakeClock();
    const redis = new Redis({ lazyConnect: true });
    const limiter = createRedisLimiter(redis, {}, { clock });
    expect(PATIENCE_SHARES.get(limiter)).toBeInstanceOf(RedisPatienceShare);
    limiter.dispose();
    redis.disconnect();
  });
});
