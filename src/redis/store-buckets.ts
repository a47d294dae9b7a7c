import type { Clock } from '../clock/clock.js';
import { sleepUnlessAborted } from '../clock/signals.js';
import { DisposedError, NoCapacityError, QueueFullError } from '../errors/errors.js';
import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import { type AdmitOptions, type CallWeight, DEFAULT_429_HOLD_MS, type LimiterEmitter, type ModelLimitSnapshot, NEW_TASK_MAX_WAIT_MS, NEW_TASK_QUEUE, type Release } from '../limits/limiter.js';
import { unexplained, unitsOf, weightOf } from '../limits/learn.js';
import { TaskMemory } from '../limits/tasks.js';
import { expectedMs, learnOutput, outputPart, tooLate, waitBound } from '../limits/deadline.js';
import { BUCKET_DIMS, type BucketDim, type DimRequest, type DimState, type SharedAnswer, type SharedBucketStore } from './bucket-store.js';
import { type Cut, Outbox, bounded, cutAt } from './outbox.js';
import type { Health } from './health.js';
import { type SharedTurn, SharedTurns } from './turns.js';
import type { RedisEmitter } from './types.js';

const NOOP: Release = () => {};
type Dims = Partial<Record<BucketDim, DimState>>;

/** The shared buckets as the last admission on a model saw them. */
interface View {
  readonly dims: Dims;
  readonly at: number;
}

export interface SharedBucketsOptions {
  readonly maxWaitMs: number;
  readonly maxQueue: number;
  readonly minRemainingRequests: number;
  /** Degraded → next probe after this (ms). */
  readonly retryMs: number;
}

const levelAt = (d: DimState, since: number, now: number) => Math.min(d.capacity ?? d.limit, d.level + Math.max(0, now - since) * (d.limit / 60_000));

/**
 * The store-backed half of {@link SharedBuckets}: admission on the shared buckets
 * (one store call per admission), this process's outbox of readings, give-backs
 * and 429 reports for the store, and its views of the store's last answers. It
 * never decides to go local: an admission the store cannot answer resolves
 * `undefined` (the failure recorded on `health`), and the caller admits locally.
 */
export class StoreBuckets {
  readonly #store: SharedBucketStore;
  readonly #clock: Clock;
  readonly #emitter: (LimiterEmitter & RedisEmitter) | undefined;
  readonly #o: SharedBucketsOptions;
  readonly #health: Health;
  readonly #views = new Map<string, View>();
  readonly #outbox = new Outbox();
  readonly #held = new Map<string, number>();
  /** Each model's latest headers, to tell whether a 429 was explained by them. */
  readonly #last = new Map<string, RateLimitInfo>();
  readonly #waiting = new Map<string, number>();
  readonly #dispose = new AbortController();
  readonly #tasks = new TaskMemory();
  readonly #turns: SharedTurns;
  /** Per model, the key its answers' output part is learned under ({@link learnOutput}). */
  readonly #outputs = new Map<string, object>();
  /** The smallest shared burst share any model's admission showed: every model's burst is capped to it. */
  #burst = 1;

  constructor(store: SharedBucketStore, health: Health, deps: { clock: Clock; emitter?: (LimiterEmitter & RedisEmitter) | undefined; options: SharedBucketsOptions }) {
    this.#store = store;
    this.#health = health;
    this.#clock = deps.clock;
    this.#emitter = deps.emitter;
    this.#o = deps.options;
    this.#turns = new SharedTurns(deps.clock);
  }

  /**
   * Admits `model` on the shared buckets; `spill` when a later model has room. Resolves
   * `undefined` when the store did not answer: the call is then the local limiter's.
   */
  async admit(model: string, options: AdmitOptions | undefined, w: CallWeight | number, spill: boolean): Promise<Release | undefined> {
    const now = this.#clock.now();
    const held = (this.#held.get(model) ?? 0) > now;
    if (held && spill) throw new NoCapacityError(model, this.#held.get(model)! - now, 'spill');
    // A stated deadline (less the model's latency) bounds the wait instead of `maxWaitMs`, `maxQueue` and the new-task rule.
    const { ms: bound, reason, stated } = waitBound(this.#o.maxWaitMs, options, now);
    const waiting = this.#waiting.get(model) ?? 0;
    const full = !stated && waiting >= this.#o.maxQueue;
    // Demand above capacity, as locally: a new task's first call waits only briefly, tasks under way keep the capacity.
    const taskId = options?.taskId;
    const underWay = taskId !== undefined && this.#tasks.underWay(taskId, now);
    const newTask = !stated && taskId !== undefined && waiting >= NEW_TASK_QUEUE && !underWay && bound > NEW_TASK_MAX_WAIT_MS;
    const deadline = stated ? options!.deadline! : Infinity;
    // Spill, a full queue or no time left: take the call's share only if it fits now.
    const maxWait = spill || full ? 0 : Math.max(0, Math.min(newTask ? NEW_TASK_MAX_WAIT_MS : bound, 2_147_483_647));
    const { dims, cut } = this.#outbox.request(model, w, this.#o.minRemainingRequests);
    let answer: SharedAnswer;
    try {
      answer = await this.#store.admit(model, { now, maxWaitMs: maxWait, dims, cutAt: cut?.at, cutDim: cut?.dim, cutTo: cut?.to, keep: spill, burstAtMost: this.#burst < 1 ? this.#burst : undefined, outputPart: stated ? this.#part(model, options) : undefined });
    } catch (error) {
      if (this.#dispose.signal.aborted) throw new DisposedError();
      this.#health.fail(error);
      return undefined;
    }
    this.#health.recover(0);
    bounded(this.#views, model, { dims: answer.dims, at: now });
    if (answer.burst !== undefined && answer.burst < this.#burst) this.#burst = answer.burst;
    if (answer.taken) this.#tasks.started(taskId, now);
    if (answer.taken && answer.waitMs === 0) return NOOP;
    const turns = { deadline, underWay, now, waitMs: answer.waitMs, bound };
    let turn: SharedTurn | undefined;
    if (!answer.taken) {
      if (spill) throw new NoCapacityError(model, answer.waitMs, 'spill');
      if (full) throw new QueueFullError(model, this.#o.maxQueue);
      // No shared turn in time: it may still take the turn of one of this process's calls it passes.
      turn = stated ? this.#turns.handOver(model, turns) : undefined;
      if (!turn && answer.waitMs <= bound) throw new NoCapacityError(model, answer.waitMs, 'over_capacity'); // only a new task is refused below its bound
      if (!turn) throw new NoCapacityError(model, answer.waitMs, reason);
      // That call's units were taken for it: they are this call's now, and it gives the difference back.
      this.#outbox.giveBack(model, answer.dims, dims, -1);
      this.#tasks.started(taskId, now);
    } else if (stated) {
      // Taken, with a wait: the share is ours now, so calls behind wait for theirs, not for the same one.
      turn = this.#turns.take(model, turns);
      if (!turn) {
        this.#outbox.giveBack(model, answer.dims, dims);
        throw new NoCapacityError(model, answer.waitMs, reason);
      }
    }
    const e = this.#emitter;
    if (e?.wants('limit:wait')) {
      const payload = { timestamp: now, model, waitMs: turn?.waitMs ?? answer.waitMs, reason: answer.reason ?? 'requests' };
      e.emit('limit:wait', options?.taskId !== undefined ? { ...payload, taskId: options.taskId } : payload);
    }
    this.#waiting.set(model, waiting + 1);
    try {
      await (turn ? this.#turns.sleep(turn, options?.signal) : sleepUnlessAborted(this.#clock, answer.waitMs, [options?.signal, this.#dispose.signal]));
      if (tooLate(options, this.#clock.now())) throw new NoCapacityError(model, 0, 'deadline'); // it could no longer finish in time
      return NOOP;
    } catch (error) {
      // Never sent: the share goes back to everyone with this process's next admission.
      this.#outbox.giveBack(model, answer.dims, dims);
      throw this.#dispose.signal.aborted ? new DisposedError() : error;
    } finally {
      const left = (this.#waiting.get(model) ?? 1) - 1;
      if (left > 0) this.#waiting.set(model, left);
      else this.#waiting.delete(model);
    }
  }

  used(model: string, weight: AdmitOptions['weight'], usage: { readonly outputTokens: number; readonly inputTokens?: number }): void {
    const dims = this.#views.get(model)?.dims;
    if (this.#dispose.signal.aborted || !dims) return;
    const w = weightOf(weight);
    // As locally: unused output (max_tokens held while writing), and input an estimate counted beyond the real input.
    const cap = dims.outputTokens ? unitsOf('outputTokens', w) : 0;
    const unused = cap - usage.outputTokens;
    if (cap > 0) {
      let key = this.#outputs.get(model);
      if (!key) bounded(this.#outputs, model, (key = {}));
      learnOutput(key, cap, usage.outputTokens);
    }
    const over = dims.inputTokens && usage.inputTokens !== undefined ? unitsOf('inputTokens', w) - usage.inputTokens : 0;
    if (unused <= 0 && over <= 0) return;
    // Rides on this model's next admission, like a 429's give-back.
    const now = this.#clock.now();
    if (unused > 0) this.#outbox.refund(model, 'outputTokens', unused, now);
    if (over > 0) this.#outbox.refund(model, 'inputTokens', over, now);
  }

  /** The part of its cap `model`'s recent answers wrote; undefined before the first (the cap counts). */
  #part(model: string, options: AdmitOptions | undefined): { part: number; aheadS: number } | undefined {
    const key = this.#outputs.get(model);
    const part = key ? outputPart(key) : 1;
    return part < 1 ? { part, aheadS: Math.max(1, Math.ceil(expectedMs(options) / 1_000)) } : undefined;
  }

  observe(model: string, info: RateLimitInfo): void {
    if (this.#dispose.signal.aborted) return;
    if ((this.#last.get(model)?.observedAt ?? -Infinity) <= info.observedAt) bounded(this.#last, model, info);
    this.#outbox.observe(model, info);
  }

  throttled(model: string, retryAfterMs: number | undefined, weight?: AdmitOptions['weight']): void {
    // The 429's own reading (remaining ~0) reaches the store with the next admission; its share is
    // not given back, which errs on the side of fewer calls. The hold steers this process's calls.
    const now = this.#clock.now();
    if (weight !== undefined && !this.#dispose.signal.aborted) {
      let w: CallWeight | number | undefined;
      const last = this.#last.get(model);
      // Its headers showed room: a window they do not describe is full. Every process's burst shrinks.
      if (last && unexplained({ last }, () => (w ??= weightOf(weight)), now)) this.#report(model, cutAt(last, now));
    }
    const until = now + (retryAfterMs ?? DEFAULT_429_HOLD_MS);
    if (until > (this.#held.get(model) ?? 0)) bounded(this.#held, model, until);
  }

  /**
   * Tells the store at once (one round trip, taking nothing): calls other processes admit in the
   * meantime would meet the same full window. Not sent (store degraded, or it fails): it rides on
   * this process's next admission of the model instead.
   */
  #report(model: string, cut: Cut): void {
    if (!this.#health.mayTry()) {
      this.#outbox.cut(model, cut);
      return;
    }
    const dims: Partial<Record<BucketDim, DimRequest>> = {};
    for (const dim of BUCKET_DIMS) dims[dim] = { take: 0, need: 0 };
    const now = this.#clock.now();
    this.#store.admit(model, { now, maxWaitMs: -1, dims, cutAt: cut.at, cutDim: cut.dim, cutTo: cut.to }).then(
      (answer) => {
        if (this.#dispose.signal.aborted) return;
        this.#health.recover(0);
        bounded(this.#views, model, { dims: answer.dims, at: now });
      },
      (error: unknown) => {
        if (this.#dispose.signal.aborted) return;
        this.#health.fail(error);
        this.#outbox.cut(model, cut);
      },
    );
  }

  /** Whether `model` has room in the store's last answer; undefined when this process has none yet. */
  available(model: string, weight?: AdmitOptions['weight']): boolean | undefined {
    const ms = this.waitFor(model, weight);
    return ms === undefined ? undefined : ms === 0;
  }

  /**
   * Ms until `model` has room for the call by the store's last answer (0: now; Infinity while held after
   * a 429 or at no refill); undefined when this process has none yet.
   */
  waitFor(model: string, weight?: AdmitOptions['weight']): number | undefined {
    const now = this.#clock.now();
    if ((this.#held.get(model) ?? 0) > now) return Infinity;
    const view = this.#views.get(model);
    if (!view) return undefined;
    let w: CallWeight | number | undefined;
    let ms = 0;
    for (const dim of BUCKET_DIMS) {
      const d = view.dims[dim];
      if (!d) continue;
      w ??= weightOf(weight);
      const need = Math.min(d.capacity ?? d.limit, unitsOf(dim, w) + (dim === 'requests' ? this.#o.minRemainingRequests : 0));
      const short = need - levelAt(d, view.at, now);
      if (short > 0) ms = Math.max(ms, d.limit > 0 ? short / (d.limit / 60_000) : Infinity);
    }
    return ms;
  }

  /** Calls of this process waiting for their share on the store. */
  waiting(model: string): number {
    return this.#waiting.get(model) ?? 0;
  }

  /** `local` with every model this process has a view of replaced by the shared buckets' state; `waiting` counts both halves. */
  snapshot(local: Readonly<Record<string, ModelLimitSnapshot>>, waiting: (model: string) => number): Readonly<Record<string, ModelLimitSnapshot>> {
    const now = this.#clock.now();
    const out: Record<string, ModelLimitSnapshot> = { ...local };
    for (const [model, view] of this.#views) {
      const base = local[model];
      const s: { -readonly [K in keyof ModelLimitSnapshot]: ModelLimitSnapshot[K] } = {
        ...(base ?? { inFlight: 0 }),
        waiting: waiting(model),
        heldForMs: Math.max(0, (this.#held.get(model) ?? 0) - now),
      };
      for (const dim of BUCKET_DIMS) {
        const d = view.dims[dim];
        if (d) s[dim] = { available: Math.floor(levelAt(d, view.at, now)), capacity: d.capacity ?? d.limit, perMinute: Math.round(d.limit) };
      }
      out[model] = s;
    }
    return out;
  }

  /** Drops what this process keeps for an idle `model`; false (nothing dropped) while calls wait on it. */
  forget(model: string): boolean {
    if (this.#waiting.has(model) || !this.#turns.forget(model)) return false;
    this.#views.delete(model);
    this.#outbox.delete(model);
    this.#held.delete(model);
    this.#last.delete(model);
    this.#outputs.delete(model);
    return true;
  }

  dispose(): void {
    if (this.#dispose.signal.aborted) return;
    this.#dispose.abort(new DisposedError());
    this.#turns.stopAll(new DisposedError());
    this.#views.clear();
    this.#outbox.clear();
    this.#tasks.clear();
    this.#last.clear();
    this.#outputs.clear();
  }
}
