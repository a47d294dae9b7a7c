import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/errors/errors.js';
import { RedisBreakerState } from '../../src/redis/breaker-state.js';
import type { RedisEvents } from '../../src/redis/types.js';
import { createFakeClock } from '../../src/testing/index.js';
import { StubRedis } from './stub-redis.js';

function setup() {
  const clock = createFakeClock();
  const redis = new StubRedis(clock);
  const events: (keyof RedisEvents)[] = [];
  const emitter = { wants: () => true, emit: (name: keyof RedisEvents) => void events.push(name) };
  const make = (clientId: string) => new RedisBreakerState(redis, { prefix: 'app:', clientId, syncMs: 1_000 }, { clock, emitter });
  return { clock, redis, events, a: make('a'), b: make('b') };
}

describe('RedisBreakerState', () => {
  it('another process sees an open within syncMs, then half-open after openUntil', async () => {
    const { clock, a, b } = setup();
    expect(b.readState('m')).toEqual({ state: 'closed', open: false }); // starts a refresh
    await clock.flush();
    await a.publishOpen('m', clock.now() + 5_000);
    await clock.advance(999);
    expect(b.readState('m').open).toBe(false); // cached answer, still fresh
    await clock.advance(1);
    b.readState('m'); // stale: refreshes in the background
    await clock.flush();
    expect(b.readState('m')).toEqual({ state: 'open', open: true, openUntil: Date.parse('2026-01-01T00:00:05Z') });
    await clock.advance(4_000);
    expect(b.readState('m').state).toBe('half-open');
  });

  it('gives the half-open probe to exactly one process until the lease ends or a result is published', async () => {
    const { clock, a, b } = setup();
    await a.publishOpen('m', clock.now());
    expect([await a.acquireProbe('m', 2_000), await b.acquireProbe('m', 2_000)]).toEqual([true, false]);
    expect(await b.acquireProbe('m', 2_000)).toBe(false);
    await a.publishOpen('m', clock.now() + 1_000); // a's probe failed: it frees its lease
    expect(await b.acquireProbe('m', 2_000)).toBe(true);
    await clock.advance(2_000); // b never answered: the lease lapses
    expect(await a.acquireProbe('m', 2_000)).toBe(true);
    await a.publishClosed('m');
    expect((await b.refresh('m')).open).toBe(false);
  });

  it('a probe without a verdict frees only its own lease', async () => {
    const { clock, a, b } = setup();
    await a.publishOpen('m', clock.now());
    expect(await a.acquireProbe('m', 30_000)).toBe(true);
    await b.releaseProbe('m'); // not b's lease: nothing happens
    expect(await b.acquireProbe('m', 30_000)).toBe(false);
    await a.releaseProbe('m');
    expect(await b.acquireProbe('m', 30_000)).toBe(true); // at once, not after 30 s
  });

  it('keeps the later openUntil of two publishers', async () => {
    const { clock, a, b } = setup();
    await a.publishOpen('m', clock.now() + 9_000);
    await b.publishOpen('m', clock.now() + 3_000);
    expect((await b.refresh('m')).openUntil).toBe(clock.now() + 9_000);
  });

  it('fails open when Redis does not answer: closed, and the probe is granted', async () => {
    const { clock, redis, a, b, events } = setup();
    await a.publishOpen('m', clock.now() + 60_000);
    redis.fault = 'hang';
    const pending = b.refresh('m');
    await clock.advance(250);
    expect(await pending).toEqual({ state: 'closed', open: false });
    expect(await b.acquireProbe('m', 1_000)).toBe(true);
    expect(events).toEqual(['store:degraded']);
    redis.fault = 'none';
    await clock.advance(1_000);
    expect((await b.refresh('m')).open).toBe(true);
    expect(events).toEqual(['store:degraded', 'store:recovered']);
  });

  it('rejects a bad syncMs naming the option', () => {
    const clock = createFakeClock();
    expect(() => new RedisBreakerState(new StubRedis(clock), { syncMs: 0 }, { clock })).toThrow(/redisBreakerState\.syncMs/);
    try {
      new RedisBreakerState(new StubRedis(clock), { syncMs: 0 }, { clock });
    } catch (e) {
      expect(isConfigError(e)).toBe(true);
    }
  });
});
