// The patience script on a real Redis records each abort once: the same publication sent twice (as
// ioredis sends a command left unanswered again after it reconnects), or an older one arriving after
// a later one of its publisher, changes nothing. Runs only with REDIS_URL set (vitest.config.ts).
import { describe, expect, it } from 'vitest';
import { Patience } from '../../../src/client/patience.js';
import { RedisPatienceShare } from '../../../src/redis/patience-share.js';
import { createFakeClock } from '../../../src/testing/index.js';
import { Tap, suiteRedis } from './tap.js';

const { prefix: run, redis } = suiteRedis('ponce');

/** Until every round trip sent so far was answered and its answer read (twice: NOSCRIPT, then EVAL). */
async function settle(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await redis().ping();
    await new Promise((r) => setTimeout(r, 1));
  }
}

function setup(name: string) {
  const clock = createFakeClock();
  const tap = new Tap(redis);
  const key = `${run}:${name}:patience`;
  const process_ = (n: number) => new Patience(true, new RedisPatienceShare(tap, clock, { prefix: `${run}:${name}:`, timeoutMs: 2_000 }, () => n / 36));
  const count = async () => (await redis().hget(key, 'n')) ?? '0';
  const fields = async (start: string) => (await redis().hkeys(key)).filter((f) => f.startsWith(start)).sort();
  return { clock, tap, process_, count, fields };
}

describe('the patience script on a real Redis records each abort once', () => {
  it('the same publication sent twice: the abort is recorded and counted once', async () => {
    const { clock, tap, process_, count, fields } = setup('twice');
    const [a, b] = [process_(0), process_(1)];
    for (let i = 0; i < 4; i++) a.aborted(30_000, clock.now());
    await settle();
    const replies = [await tap.again(3), await tap.again(3)]; // ioredis, reconnected, sends the last again
    expect(await count()).toBe('4');
    expect(await fields('e')).toHaveLength(4);
    expect(replies).toEqual([[-1], [-1]]);
    b.explore(clock.now());
    await settle();
    expect(b.known).toBe(false); // 4 aborts, not 5
    b.aborted(30_000, clock.now()); // the fifth
    expect(b.ms(clock.now())).toBe(30_000);
  });

  it('an older publication arriving after a later one of its publisher changes nothing', async () => {
    const { clock, tap, process_, count } = setup('late');
    const a = process_(0);
    tap.hold = true;
    a.aborted(30_000, clock.now()); // stuck in the client's queue
    tap.hold = false;
    a.aborted(31_000, clock.now());
    await settle();
    expect(await tap.again(0)).toEqual([-1]);
    expect(await count()).toBe('1');
    await clock.advance(2_000);
  });

  it('keeps the marks of the publishers of the last ten minutes; a publication older than that is refused by its age', async () => {
    const { clock, tap, process_, count, fields } = setup('old');
    const [a, b] = [process_(1), process_(2)];
    a.aborted(30_000, clock.now());
    await settle();
    for (let i = 0; i < 11; i++) {
      await clock.advance(60_000);
      b.aborted(30_000, clock.now());
      await settle();
    }
    expect(await fields('s:')).toEqual(['s:bbbbbbbbbbbb', 's:cccccccccccc']);
    process_(3).aborted(30_000, clock.now()); // a publisher new here: a's mark goes
    await settle();
    expect(await fields('s:')).toEqual(['s:cccccccccccc', 's:dddddddddddd']);
    expect(await tap.again(0)).toEqual([-1]); // a's publication from 11 minutes ago, sent again
    expect(await count()).toBe('13');
  });
});
