import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/errors/errors.js';
import { RedisBudgetStore } from '../../src/redis/budget-store.js';
import type { RedisEvents } from '../../src/redis/types.js';
import { createFakeClock } from '../../src/testing/index.js';
import { StubRedis } from './stub-redis.js';

const DAY = 'day:2026-01-01';
const amt = (tokens: number, costNanos = 0) => ({ tokens, costNanos });

function setup(options: ConstructorParameters<typeof RedisBudgetStore>[1] = {}) {
  const clock = createFakeClock();
  const redis = new StubRedis(clock);
  const events: { name: keyof RedisEvents; payload: RedisEvents[keyof RedisEvents] }[] = [];
  const emitter = { wants: () => true, emit: <K extends keyof RedisEvents>(name: K, payload: RedisEvents[K]) => void events.push({ name, payload }) };
  const store = new RedisBudgetStore(redis, { prefix: 'app:', clientId: 'p1', ...options }, { clock, emitter });
  const remote = (key = DAY) => Object.fromEntries(['ut', 'uc', 'rt', 'rc'].map((f) => [f, redis.hash(`app:budget:${key}`).get(f) ?? 0]));
  /** Runs `op` while the stub gives no answer, advancing the fake clock past the timeout. */
  const timedOut = async <T>(op: () => Promise<T>, ms = 250): Promise<T> => {
    const p = op();
    await clock.advance(ms);
    return p;
  };
  return { clock, redis, events, store, remote, timedOut };
}

describe('RedisBudgetStore on a healthy Redis', () => {
  it('reserves under the limit, refuses over it, settles and releases, on the prefixed key', async () => {
    const { store, remote } = setup();
    expect((await store.reserve(DAY, amt(60, 600), { tokens: 100 })).ok).toBe(true);
    const refused = await store.reserve(DAY, amt(50), { tokens: 100 });
    expect(refused).toEqual({ ok: false, totals: { used: amt(0), reserved: amt(60, 600) } });
    expect(await store.settle(DAY, amt(60, 600), amt(45, 450))).toEqual({ used: amt(45, 450), reserved: amt(0) });
    expect((await store.reserve(DAY, amt(50), { tokens: 100 })).ok).toBe(true);
    await store.release(DAY, amt(50));
    expect(remote()).toEqual({ ut: 45, uc: 450, rt: 0, rc: 0 });
    expect(await store.get(DAY)).toEqual({ used: amt(45, 450), reserved: amt(0) });
  });

  it('gives a day key a TTL that runs to the end of that date in the last time zone, plus an hour', async () => {
    const { store, redis, clock } = setup();
    await store.reserve(DAY, amt(1));
    // 2026-01-02 12:00 UTC is the end of Jan 1st at UTC-12; the clock starts at 2026-01-01T00:00Z.
    expect(redis.ttls.get('app:budget:day:2026-01-01')).toBe(Date.parse('2026-01-02T13:00:00Z') - clock.now());
    await store.reserve('task:t1', amt(1));
    expect(redis.ttls.get('app:budget:task:t1')).toBe(86_400_000);
  });

  it('loads a script with EVAL once after NOSCRIPT, then uses EVALSHA', async () => {
    const { store, redis } = setup();
    await store.reserve(DAY, amt(1));
    await store.reserve(DAY, amt(1));
    expect(redis.evals).toBe(1);
    redis.loaded.clear(); // a restarted server forgot its scripts
    await store.reserve(DAY, amt(1));
    expect(redis.evals).toBe(2);
  });
});

describe('RedisBudgetStore when Redis fails', () => {
  it('answers from local state within timeoutMs on the clock, and emits store:degraded once', async () => {
    const { store, redis, events, timedOut } = setup();
    await store.reserve(DAY, amt(80), { tokens: 100 });
    redis.fault = 'hang';
    // Local view = last totals Redis reported (80 reserved) + nothing yet.
    expect((await timedOut(() => store.reserve(DAY, amt(30), { tokens: 100 }))).ok).toBe(false);
    expect((await store.reserve(DAY, amt(20), { tokens: 100 })).ok).toBe(true);
    expect(store.degraded).toBe(true);
    expect(events.map((e) => e.name)).toEqual(['store:degraded']);
    expect(events[0]!.payload).toMatchObject({ store: 'budget', reason: 'timeout' });
  });

  it('sends nothing while degraded until retryMs has passed', async () => {
    const { store, redis, clock, timedOut } = setup({ retryMs: 1_000 });
    redis.fault = 'hang';
    await timedOut(() => store.reserve(DAY, amt(1)));
    const calls = redis.calls;
    await store.reserve(DAY, amt(1));
    await store.settle(DAY, amt(1), amt(1));
    expect(redis.calls).toBe(calls);
    redis.fault = 'none';
    await clock.advance(999); // the failure was noticed at the timeout; the probe is due 1,000 ms later
    await store.get(DAY);
    expect(redis.calls).toBe(calls);
    await clock.advance(1);
    await store.get(DAY);
    expect(redis.calls).toBeGreaterThan(calls);
    expect(store.degraded).toBe(false);
  });

  it('fail-closed refuses every reservation while degraded but keeps settles', async () => {
    const { store, redis, remote, clock } = setup({ onUnavailable: 'closed' });
    await store.reserve(DAY, amt(10), { tokens: 100 });
    redis.fault = 'down';
    expect((await store.reserve(DAY, amt(1), { tokens: 100 })).ok).toBe(false);
    await store.settle(DAY, amt(10), amt(7));
    redis.fault = 'none';
    await clock.advance(1_000);
    expect(await store.reconcile()).toBe(true);
    expect(remote()).toEqual({ ut: 7, uc: 0, rt: 0, rc: 0 });
  });

  it('writes local changes back when Redis returns, and emits store:recovered with the key count', async () => {
    const { store, redis, remote, clock, events } = setup();
    await store.reserve(DAY, amt(10, 100), { tokens: 1_000 });
    await store.reserve('task:a', amt(10, 100));
    redis.fault = 'error';
    await store.settle(DAY, amt(10, 100), amt(8, 80)); // a Redis-held reservation settled locally
    await store.settle('task:a', amt(10, 100), amt(9, 90));
    expect((await store.reserve(DAY, amt(5, 50), { tokens: 1_000 })).ok).toBe(true); // held locally
    redis.fault = 'none';
    await clock.advance(1_000);
    // The next operation reconciles first, then runs on Redis.
    await store.reserve(DAY, amt(1), { tokens: 1_000 });
    expect(remote()).toEqual({ ut: 8, uc: 80, rt: 6, rc: 50 });
    expect(remote('task:a')).toEqual({ ut: 9, uc: 90, rt: 0, rc: 0 });
    await store.settle(DAY, amt(5, 50), amt(5, 50)); // the local reservation now lives in Redis
    expect(remote()).toEqual({ ut: 13, uc: 130, rt: 1, rc: 0 });
    expect(events.map((e) => e.name)).toEqual(['store:degraded', 'store:recovered']);
    expect(events[1]!.payload).toMatchObject({ store: 'budget', reconciledKeys: 2, degradedMs: 1_000 });
  });

  it('does not count twice an operation that ran on Redis but whose answer was lost', async () => {
    const { store, redis, remote, clock, timedOut } = setup();
    await store.reserve(DAY, amt(10), { tokens: 100 });
    redis.fault = 'lost-reply';
    await timedOut(() => store.settle(DAY, amt(10), amt(7))); // applied on the server, then kept locally too
    expect(remote()).toEqual({ ut: 7, uc: 0, rt: 0, rc: 0 });
    redis.fault = 'none';
    await clock.advance(1_000);
    expect(await store.reconcile()).toBe(true);
    expect(remote()).toEqual({ ut: 7, uc: 0, rt: 0, rc: 0 });
  });

  it('counts once an operation that never reached Redis', async () => {
    const { store, redis, remote, clock, timedOut } = setup();
    await store.reserve(DAY, amt(10), { tokens: 100 });
    redis.fault = 'hang';
    await timedOut(() => store.settle(DAY, amt(10), amt(7)));
    redis.fault = 'none';
    await clock.advance(1_000);
    expect(await store.reconcile()).toBe(true);
    expect(remote()).toEqual({ ut: 7, uc: 0, rt: 0, rc: 0 });
  });

  it.each([false, true])('survives a reconciliation whose own answer is lost (the Redis client sending it again after reconnecting: %s)', async (resent) => {
    const { store, redis, remote, clock, timedOut } = setup();
    redis.fault = 'down';
    await store.settle(DAY, amt(0), amt(7));
    redis.fault = 'lost-reply';
    await clock.advance(1_000);
    expect(await timedOut(() => store.reconcile())).toBe(false); // applied, answer lost
    expect(remote()).toEqual({ ut: 7, uc: 0, rt: 0, rc: 0 });
    redis.fault = 'none';
    if (resent) redis.resend(); // ioredis sends the unanswered reconciliation once more on its new connection
    await clock.advance(1_000);
    expect(await store.reconcile()).toBe(true);
    expect(remote()).toEqual({ ut: 7, uc: 0, rt: 0, rc: 0 });
  });

  it('does not count twice an operation that reaches Redis after its reconciliation', async () => {
    const { store, redis, remote, clock, timedOut } = setup();
    await store.reserve(DAY, amt(10), { tokens: 100 });
    redis.fault = 'hang';
    await timedOut(() => store.settle(DAY, amt(10), amt(7))); // stuck in the client's queue, not yet on the server
    redis.fault = 'none';
    await clock.advance(1_000);
    expect(await store.reconcile()).toBe(true); // the settle is written back: it had not landed
    expect(remote()).toEqual({ ut: 7, uc: 0, rt: 0, rc: 0 });
    redis.resend(); // then the stuck command arrives
    expect(remote()).toEqual({ ut: 7, uc: 0, rt: 0, rc: 0 });
  });

  it('sends an operation Redis found stale once more, and counts it once', async () => {
    const { store, redis, remote, events } = setup({ onUnavailable: 'closed' });
    await store.settle(DAY, amt(0), amt(1));
    const h = redis.hash(`app:budget:${DAY}`);
    h.set('s:p1', h.get('s:p1')! + 1); // as if this client's next op had already run (a reordering)
    expect((await store.reserve(DAY, amt(10), { tokens: 100 })).ok).toBe(true);
    expect(remote()).toEqual({ ut: 1, uc: 0, rt: 10, rc: 0 });
    expect(store.degraded).toBe(false);
    expect(events).toEqual([]);
  });

  it('keeps counting after a restart under the same client name', async () => {
    const { store, redis, remote, clock } = setup();
    for (let i = 0; i < 5; i++) await store.settle(DAY, amt(0), amt(1));
    await clock.advance(1);
    const again = new RedisBudgetStore(redis, { prefix: 'app:', clientId: 'p1' }, { clock });
    await again.settle(DAY, amt(0), amt(1));
    expect(remote()).toEqual({ ut: 6, uc: 0, rt: 0, rc: 0 });
    expect(again.degraded).toBe(false);
    void store;
  });

  it('never puts a Redis URL password in an event', async () => {
    const { store, redis, events } = setup();
    redis.fault = 'error';
    await store.get(DAY);
    const message = (events[0]!.payload as { message: string }).message;
    expect(message).toContain('ECONNREFUSED');
    expect(message).not.toContain('s3cret');
  });
});

describe('RedisBudgetStore options', () => {
  it.each([
    [{ timeoutMs: -1 }, 'redisBudgetStore.timeoutMs'],
    [{ timeoutMs: 500, retryMs: 100 }, 'redisBudgetStore.retryMs'],
    [{ onUnavailable: 'maybe' }, 'redisBudgetStore.onUnavailable'],
    [{ prefix: 3 }, 'redisBudgetStore.prefix'],
    [{ clientId: 'has space' }, 'redisBudgetStore.clientId'],
  ])('rejects %j naming %s', (options, path) => {
    const clock = createFakeClock();
    let error: unknown;
    try {
      new RedisBudgetStore(new StubRedis(clock), options as never, { clock });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain(path);
  });
});
