import type { Clock } from '../clock/clock.js';
import { DisposedError, NoCapacityError, QueueFullError } from '../errors/errors.js';
import { countSent, giveShareBack, markPending, slotFree, takeShare } from './account.js';
import type { ModelState } from './learn.js';
import type { ResolvedLimits } from './options.js';
import type { Release } from './slots.js';
import type { TaskMemory } from './tasks.js';
import { CATCH_UP_LOOKS, NEW_TASK_MAX_WAIT_MS, NEW_TASK_QUEUE, behindMs, turnIn } from './turns.js';
import type { AdmitOptions, CallWeight, LimitWaitReason, LimiterEmitter } from './types.js';
import { type Lane, type Turn, Waits } from './waits.js';
import { foreseenMs, tooLate, waitBound } from './deadline.js';

/** What the limiter knows of a call it cannot admit now and cannot spill. */
export interface Queued {
  readonly model: string;
  readonly weight: () => CallWeight | number;
  /** Ms until the model's buckets have room for it. */
  readonly wait: number;
  /** A concurrency slot is free now. */
  readonly slot: boolean;
  readonly reason: LimitWaitReason;
  readonly options: AdmitOptions | undefined;
}

/**
 * The waiting path of admission: a call no model of the chain can take now is
 * refused at once (its wait past `maxWaitMs`, or for a call that states its
 * deadline, past the deadline less the model's expected latency; a new task's
 * first call over capacity; a full queue) or waits for its turn on the model:
 * calls with deadlines earliest deadline first, the calls of tasks under way
 * before the first calls of new tasks. A call whose turn comes too late to
 * finish by its deadline is refused then, not sent.
 */
export class Queue {
  readonly #o: ResolvedLimits;
  readonly #clock: Clock;
  readonly #emitter: LimiterEmitter | undefined;
  readonly #tasks: TaskMemory;
  readonly #disposed: () => boolean;
  /** Sends an admitted call: its release. */
  readonly #send: (s: ModelState, weight: () => CallWeight | number) => Release;
  readonly #waits: Waits;
  /** Per model, the calls of tasks asleep until their turn (only when calls carry a `taskId`). */
  readonly #lanes = new WeakMap<ModelState, Lane>();

  constructor(o: ResolvedLimits, clock: Clock, emitter: LimiterEmitter | undefined, tasks: TaskMemory, disposed: () => boolean, send: (s: ModelState, weight: () => CallWeight | number) => Release) {
    this.#o = o;
    this.#clock = clock;
    this.#emitter = emitter;
    this.#tasks = tasks;
    this.#disposed = disposed;
    this.#send = send;
    this.#waits = new Waits(clock);
  }

  /** Refuses the call at once, or resolves with its release once its turn has come. */
  enqueue(s: ModelState, q: Queued, now: number): Promise<Release> {
    const { model, options } = q;
    const taskId = options?.taskId;
    // A call that states its deadline waits by it (less its model's expected latency), earliest deadline first.
    const { ms: bound, reason, stated } = waitBound(this.#o.maxWaitMs, options, now);
    // Its turn is judged by the output the calls before it are expected to write, not by their output caps.
    const wait = stated ? foreseenMs(s, q.weight, q.wait, this.#o.minRemainingRequests, now) : q.wait;
    const deadline = stated ? options!.deadline! : Infinity;
    // Demand above capacity: a call of a task under way takes the turn of a new task's first call waiting
    // before it; a new task waits only briefly. Tasks under way keep the capacity.
    const underWay = taskId !== undefined && this.#tasks.underWay(taskId, now);
    const lane = taskId === undefined && !stated ? undefined : this.#lane(s);
    // The waiting calls it passes: earlier deadlines first, and a task under way before a new task's first call.
    const plan = lane && turnIn(this.#waits, lane, { now, wait, bound, deadline, underWay, stated });
    const turnWait = plan ? plan.at - now : wait;
    if (turnWait > bound) return Promise.reject(new NoCapacityError(model, turnWait, reason));
    if (!stated && taskId !== undefined && !underWay && s.waiting >= NEW_TASK_QUEUE && wait > NEW_TASK_MAX_WAIT_MS) return Promise.reject(new NoCapacityError(model, wait, 'over_capacity'));
    // A call moved past its own bound is refused: for an earlier deadline (`deadline`), or for a task under way.
    const refused = (ms: number) => new NoCapacityError(model, ms, stated && !underWay ? 'deadline' : 'over_capacity');
    // A full queue makes room for a task under way by refusing the new task that waits last.
    if (!stated && s.waiting >= this.#o.maxQueue && !(underWay && this.#waits.refuseLast(lane!, refused))) return Promise.reject(new QueueFullError(model, this.#o.maxQueue));
    // The calls whose turn this one takes each move one turn later.
    if (plan && turnWait < wait) this.#waits.yieldTo(lane!, now + wait, plan.passes, refused);
    const turn = lane && { lane, yields: !underWay, latest: now + bound, deadline };
    return this.#wait(s, q, turnWait, q.slot ? undefined : bound, turn);
  }

  #lane(s: ModelState): Lane {
    let lane = this.#lanes.get(s);
    if (!lane) this.#lanes.set(s, (lane = []));
    return lane;
  }

  async #wait(s: ModelState, q: Queued, waitMs: number, slotBound: number | undefined, turn: Turn | undefined): Promise<Release> {
    const { model, weight, options } = q;
    const signal = options?.signal;
    const e = this.#emitter;
    if (e?.wants('limit:wait')) {
      const payload = { timestamp: this.#clock.now(), model, waitMs: waitMs > 0 ? waitMs : (slotBound ?? 0), reason: q.reason };
      e.emit('limit:wait', options?.taskId !== undefined ? { ...payload, taskId: options.taskId } : payload);
    }
    s.waiting++;
    // The call's share is taken now, so calls behind it wait for theirs, not for the same one; it counts as sent when it is.
    takeShare(s, weight, this.#clock.now(), false);
    markPending(s, weight, 1);
    let due = false;
    try {
      signal?.throwIfAborted();
      if (waitMs > 0) await this.#waits.sleep(waitMs, signal, turn);
      markPending(s, weight, -1);
      due = true;
      // Headers that came while it waited can show less room than when its turn was set (others on
      // the key used it): sent now, it would meet a 429. It waits for the room to come back instead.
      if (waitMs > 0) await this.#catchUp(s, signal, options?.taskId === undefined ? CATCH_UP_LOOKS : 1);
      // Its turn came too late to finish before its deadline: refused, not sent.
      if (tooLate(options, this.#clock.now())) throw new NoCapacityError(model, 0, 'deadline');
      if (slotBound !== undefined && !slotFree(s)) await this.#waits.slot(s.slotWaiters, model, slotBound - waitMs, signal);
      const now = this.#clock.now();
      this.#tasks.started(options?.taskId, now);
      countSent(s, weight, now, 1);
      return this.#send(s, weight);
    } catch (error) {
      // Never admitted (a timeout or abort, also while waiting for a slot after its share was due): never sent, so its share goes back.
      giveShareBack(s, weight, this.#clock.now(), false, false);
      if (!due) markPending(s, weight, -1);
      throw this.#disposed() ? new DisposedError() : error;
    } finally {
      s.waiting--;
    }
  }

  /**
   * Waits until the level of `s`, with the shares of the calls still waiting added back, is not
   * below zero, looking up to `looks` times: what it learned while it waited (a 429, a smaller
   * share) can leave the room it waited for short (each wait at most `maxWaitMs`).
   */
  async #catchUp(s: ModelState, signal: AbortSignal | undefined, looks: number): Promise<void> {
    for (let look = 0; look < looks; look++) {
      const behind = behindMs(s, this.#clock.now());
      if (behind <= 0) return;
      await this.#waits.sleep(Math.min(behind, this.#o.maxWaitMs), signal);
    }
  }

  /** Ends every pending wait with `error`. */
  stopAll(error: unknown): void {
    this.#waits.stopAll(error);
  }
}
