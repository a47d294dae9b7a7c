// The bucket script on a real Redis runs each admission once: the same command sent twice (as ioredis
// sends a command left unanswered again after it reconnects), or an older one arriving after a later
// one, changes nothing. Runs only with REDIS_URL set (vitest.config.ts).
import { describe, expect, it } from 'vitest';
import { type DimRequest, RedisBucketStore } from '../../../src/redis/bucket-store.js';
import { createFakeClock } from '../../../src/testing/index.js';
import { Tap, suiteRedis } from './tap.js';

const { prefix: run, redis } = suiteRedis('once');

function setup(name: string) {
  const clock = createFakeClock();
  const tap = new Tap(redis);
  const prefix = `${run}:${name}:`;
  const store = (n = 0) => new RedisBucketStore(tap, clock, { prefix, timeoutMs: 2_000 }, () => n / 36);
  const level = async () => Number(await redis().hget(`${prefix}buckets:m`, '1l'));
  const admit = (s: RedisBucketStore, requests: Partial<DimRequest>) => s.admit('m', { now: clock.now(), maxWaitMs: 0, dims: { requests: { take: 0, need: 0, ...requests } } });
  const reading = (remaining: number) => ({ remaining, limit: 60, observedAt: clock.now() });
  return { clock, tap, store, level, admit, reading };
}

describe('the bucket script on a real Redis runs each admission once', () => {
  it('the same command sent twice: its give-back is added once, its take taken once', async () => {
    const { tap, store, level, admit, reading } = setup('twice');
    const s = store();
    await admit(s, { take: 1, need: 1, reading: reading(20) });
    await admit(s, { take: 1, need: 1, giveBack: 10 });
    expect(await level()).toBe(28);
    const replies = [await tap.again(1), await tap.again(1)]; // ioredis, reconnected, sends it again
    expect(await level()).toBe(28);
    expect(replies).toEqual([[-1], [-1]]);
    // Another store's give-back is its own.
    await admit(store(1), { giveBack: 5 });
    expect(await level()).toBe(33);
  });

  it('an older command arriving after a later one of its store changes nothing', async () => {
    const { clock, tap, store, level, admit, reading } = setup('late');
    const s = store();
    await admit(s, { take: 1, need: 1, reading: reading(20) });
    tap.hold = true;
    void admit(s, { giveBack: 10 }).catch(() => {}); // stuck in the client's queue
    tap.hold = false;
    await admit(s, { take: 1, need: 1 });
    expect(await level()).toBe(18);
    const reply = await tap.again(1);
    expect(await level()).toBe(18);
    expect(reply).toEqual([-1]);
    await clock.advance(2_000);
  });

  it('keeps the marks of the stores of the last ten minutes; a command older than that is refused by its age', async () => {
    const { clock, tap, store, level, admit, reading } = setup('old');
    const prefix = `${run}:old:buckets:m`;
    const [a, b] = [store(1), store(2)];
    await admit(a, { reading: reading(20) });
    await admit(a, { giveBack: 10 });
    for (let i = 0; i < 11; i++) {
      await clock.advance(60_000);
      await admit(b, { take: 60, need: 60 });
    }
    const marks = async () => (await redis().hkeys(prefix)).filter((f) => f.startsWith('s:')).sort();
    expect(await marks()).toEqual(['s:bbbbbbbbbbbb', 's:cccccccccccc']);
    await admit(store(3), {}); // a store new here: a's mark goes
    expect(await marks()).toEqual(['s:cccccccccccc', 's:dddddddddddd']);
    const before = await level();
    const reply = await tap.again(1); // a's give-back from 11 minutes ago, sent again
    expect(await level()).toBe(before);
    expect(reply).toEqual([-1]);
  });
});
