// The shared patience records each abort once: ioredis sends a command left unanswered again after
// it reconnects, one that ran and lost only its answer too, and an abort published twice is counted
// twice by every process that reads it. On the stub Redis (its model of the patience script); the
// real script is tested on a real Redis in test/integration/redis/patience-once.test.ts.
import { describe, expect, it } from 'vitest';
import { PATIENCE_WINDOW_MS, Patience } from '../../src/client/patience.js';
import { PATIENCE_PULL_MS, RedisPatienceShare } from '../../src/redis/patience-share.js';
import { createFakeClock } from '../../src/testing/index.js';
import { StubRedis } from './stub-redis.js';

const KEY = 'p:patience';

function setup() {
  const clock = createFakeClock();
  const redis = new StubRedis(clock);
  const process_ = (n: number) => new Patience(true, new RedisPatienceShare(redis, clock, { prefix: 'p:', timeoutMs: 100 }, () => n / 36));
  const hash = () => redis.texts.get(KEY)!;
  const entries = () => [...hash().keys()].filter((f) => f.startsWith('e'));
  const marks = () => [...hash().keys()].filter((f) => f.startsWith('s:')).sort();
  /** An abort whose publication the stub runs, or holds (`fault`), and whose answer never comes: it times out. */
  const unanswered = async (p: Patience, fault: 'lost-reply' | 'hang') => {
    redis.fault = fault;
    p.aborted(30_000, clock.now());
    await clock.advance(100);
    redis.fault = 'none';
  };
  /** A read of the others' aborts, a second after the last (the most a share reads). */
  const read = async (p: Patience) => {
    await clock.advance(PATIENCE_PULL_MS);
    p.explore(clock.now());
    await clock.flush();
  };
  return { clock, redis, process_, hash, entries, marks, unanswered, read };
}

describe('the shared patience records each abort once', () => {
  it('a publication that ran but lost its answer, sent again by the Redis client after it reconnects, counts once for the others and its publisher', async () => {
    const { clock, redis, process_, hash, entries, unanswered, read } = setup();
    const [a, b] = [process_(0), process_(1)];
    for (let i = 0; i < 3; i++) a.aborted(30_000, clock.now());
    await clock.flush();
    await unanswered(a, 'lost-reply'); // ran: 4 aborts; its number never came back
    redis.resend(); // ioredis, reconnected, sends it again
    expect(hash().get('n')).toBe('4');
    expect(entries()).toHaveLength(4);
    await read(b);
    expect(b.known).toBe(false); // 4 aborts, not 5
    await read(a);
    expect(a.known).toBe(false); // its own 4 (the one whose answer was lost too), not 6
    b.aborted(30_000, clock.now()); // the fifth
    await clock.flush();
    await read(a);
    expect([a.ms(clock.now()), b.ms(clock.now())]).toEqual([30_000, 30_000]);
  });

  it('a publisher knows its own aborts in the ring by its id, also the one whose number never came back', async () => {
    const { clock, process_, unanswered, read } = setup();
    const a = process_(0);
    for (let i = 0; i < 3; i++) a.aborted(30_000, clock.now());
    await clock.flush();
    await unanswered(a, 'lost-reply'); // ran once: in the ring under a number a never got back
    await read(a);
    expect(a.known).toBe(false); // its 4, not 5
  });

  it('a publication that reaches Redis after a later one of the same publisher changes nothing (it may be a repeat)', async () => {
    const { clock, redis, process_, hash, entries, unanswered } = setup();
    const a = process_(0);
    await unanswered(a, 'hang'); // stuck in the client's queue
    a.aborted(31_000, clock.now());
    await clock.flush();
    redis.resend();
    expect(hash().get('n')).toBe('1');
    expect(entries().map((e) => hash().get(e)!.split(':')[0])).toEqual(['31000']);
  });

  it('keeps the marks of the publishers of the last ten minutes only; a publication older than that is refused by its age', async () => {
    const { clock, redis, process_, hash, marks, unanswered } = setup();
    const [a, b] = [process_(1), process_(2)];
    await unanswered(a, 'lost-reply'); // a's last publication: 1
    for (let i = 0; i < 11; i++) {
      await clock.advance(60_000);
      b.aborted(30_000, clock.now()); // b publishes every minute
      await clock.flush();
    }
    expect(marks()).toEqual(['s:bbbbbbbbbbbb', 's:cccccccccccc']);
    process_(3).aborted(30_000, clock.now()); // a publisher new here: a's mark goes, b's stays
    await clock.flush();
    expect(marks()).toEqual(['s:cccccccccccc', 's:dddddddddddd']);
    expect(hash().get('n')).toBe('13');
    redis.resend(); // a's publication from 11 minutes ago, sent again: refused by its age, not by a's mark
    expect(hash().get('n')).toBe('13');
    expect(redis.ttls.get(KEY)).toBe(PATIENCE_WINDOW_MS);
  });
});
