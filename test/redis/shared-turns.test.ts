import { describe, expect, it } from 'vitest';
import { isNoCapacityError } from '../../src/errors/errors.js';
import { createLimiter } from '../../src/limits/limiter.js';
import type { SharedAdmission, SharedAnswer, SharedBucketStore } from '../../src/redis/bucket-store.js';
import { SharedBuckets } from '../../src/redis/shared-buckets.js';
import { createFakeClock } from '../../src/testing/index.js';

const OPTIONS = { maxWaitMs: 10_000, maxQueue: 8, minRemainingRequests: 0, retryMs: 1_000 };
const LEVEL = { requests: { level: -1, limit: 60 } };

/** A store that takes a call when its wait (set by the test for each admission) is within the call's `maxWaitMs`. */
class WaitStore implements SharedBucketStore {
  readonly sent: SharedAdmission[] = [];
  waitMs = 0;
  async admit(_model: string, request: SharedAdmission): Promise<SharedAnswer> {
    this.sent.push(request);
    return { taken: this.waitMs <= request.maxWaitMs, waitMs: this.waitMs, reason: 'requests', dims: LEVEL };
  }
}

function setup() {
  const clock = createFakeClock();
  const start = clock.now();
  const store = new WaitStore();
  const limiter = new SharedBuckets(store, createLimiter({}, { clock }), { clock, options: OPTIONS });
  /** Admits with the store's answer `waitMs`; resolves with the time it was let go (ms since the start), or the error. */
  const admit = (waitMs: number, o: { taskId?: string; deadlineIn: number }) => {
    store.waitMs = waitMs;
    const options = { deadline: clock.now() + o.deadlineIn, expectedMs: () => 0, ...(o.taskId ? { taskId: o.taskId } : {}) };
    return Promise.resolve(limiter.admit('m', options)).then(
      () => clock.now() - start,
      (e: unknown) => e,
    );
  };
  return { clock, store, limiter, admit };
}

describe('shared buckets: a call that states its deadline', () => {
  it('may wait on the shared buckets until its deadline less the model’s latency, past maxWaitMs', async () => {
    const { store, limiter, clock } = setup();
    await limiter.admit('m', { deadline: clock.now() + 100_000, expectedMs: () => 3_000 });
    expect(store.sent[0]!.maxWaitMs).toBe(97_000);
    // A call that states none keeps maxWaitMs.
    await limiter.admit('m');
    expect(store.sent[1]!.maxWaitMs).toBe(OPTIONS.maxWaitMs);
  });

  it('of a task under way takes the turn of this process’s waiting first call, which moves to the later turn', async () => {
    const { clock, admit } = setup();
    await admit(0, { taskId: 'b', deadlineIn: 100_000 });
    const first = admit(20_000, { taskId: 'a', deadlineIn: 100_000 });
    await clock.advance(0);
    const second = admit(90_000, { taskId: 'b', deadlineIn: 100_000 });
    await clock.advance(100_000);
    // The set of turns the store gave is the same: 20 s and 90 s; the task under way has the earlier one.
    expect(await second).toBe(20_000);
    expect(await first).toBe(90_000);
  });

  it('of a task under way that gets no shared turn in time takes this process’s waiting first call’s turn, and that call is refused: its units are the task’s now', async () => {
    const { clock, admit, store, limiter } = setup();
    await admit(0, { taskId: 'b', deadlineIn: 100_000 });
    const first = admit(20_000, { taskId: 'a', deadlineIn: 70_000 });
    await clock.advance(0);
    // Its own turn (150 s) is past its bound (100 s): the store does not take it, and without the first call's turn it is refused.
    const second = admit(150_000, { taskId: 'b', deadlineIn: 100_000 });
    await clock.advance(0);
    const refused = await first;
    expect(isNoCapacityError(refused) && refused.reason).toBe('over_capacity');
    await clock.advance(20_000);
    expect(await second).toBe(20_000);
    // The first call's units went to the task's call: nothing goes back (its give-back and the taking cancel out).
    await admit(0, { deadlineIn: 100_000 });
    expect(store.sent.at(-1)!.dims.requests?.giveBack).toBe(0);
    expect(store.sent.filter((r) => r.maxWaitMs > 100_000)).toHaveLength(0);
    limiter.dispose();
  });

  it('goes before this process’s waiting calls whose deadline is later (earliest deadline first)', async () => {
    const { clock, admit } = setup();
    const later = admit(20_000, { deadlineIn: 120_000 });
    await clock.advance(0);
    const sooner = admit(40_000, { deadlineIn: 50_000 });
    await clock.advance(60_000);
    expect(await sooner).toBe(20_000);
    expect(await later).toBe(40_000);
  });

  it('is refused at once when even the turns it could take are past its bound, asking the store for no more than its bound', async () => {
    const { clock, admit, store } = setup();
    const first = admit(20_000, { taskId: 'a', deadlineIn: 100_000 });
    await clock.advance(0);
    // This process's only waiting call is due after this one's bound (15 s): it has no turn to take.
    const late = await admit(90_000, { taskId: 'c', deadlineIn: 15_000 });
    expect(isNoCapacityError(late) && late.reason).toBe('deadline');
    expect(store.sent.at(-1)!.maxWaitMs).toBe(15_000);
    await clock.advance(20_000);
    expect(await first).toBe(20_000);
  });

  it('sends the part of their cap its model’s answers wrote, learned from them, and the model’s latency; a call that states none sends neither', async () => {
    const clock = createFakeClock();
    const store = new WaitStore();
    const output = { requests: { level: 10, limit: 60 }, outputTokens: { level: 5_000, limit: 6_000 } };
    const withOutput: SharedBucketStore = { admit: async (model, request) => ({ ...(await store.admit(model, request)), dims: output }) };
    const limiter = new SharedBuckets(withOutput, createLimiter({}, { clock }), { clock, options: OPTIONS });
    const weight = { inputTokens: 100, outputTokens: 1_000 };
    const stated = () => ({ weight, deadline: clock.now() + 100_000, expectedMs: () => 2_500 });
    await limiter.admit('m', stated());
    // Before any answer the cap counts.
    expect(store.sent[0]!.outputPart).toBeUndefined();
    limiter.used('m', weight, { outputTokens: 400 });
    await limiter.admit('m', stated());
    expect(store.sent[1]!.outputPart).toEqual({ part: 0.4, aheadS: 3 });
    await limiter.admit('m', { weight });
    expect(store.sent[2]!.outputPart).toBeUndefined();
    limiter.dispose();
  });
});
