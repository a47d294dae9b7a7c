import type { Clock, TimerHandle } from '../clock/clock.js';
import { onAbort } from '../clock/signals.js';
import { NoCapacityError } from '../errors/errors.js';

/**
 * The timed waits of admission on the injected clock: for a bucket to refill,
 * and for a concurrency slot. Every pending wait can be stopped at once (on
 * dispose), and a caller's signal gets one listener however many calls wait on it.
 */
/** A call waiting for admission is awaited like a request in flight: its timer keeps the process alive (dispose clears it). */
const KEEP_ALIVE = Object.freeze({ keepAlive: true });

/** A call asleep until its turn on a model. */
export interface Sleeper {
  due: number;
  /** The first call of a new task: calls of tasks under way may take its turn. */
  readonly yields: boolean;
  /** The latest it may be moved to (its wait bound). */
  readonly latest: number;
  /** The call's deadline on the clock (Infinity: none stated). */
  readonly deadline: number;
  move(due: number): void;
  stop(error: unknown): void;
}

/** The calls asleep on one model, in no particular order. */
export type Lane = Sleeper[];

/** Where a sleep is listed, and whether it gives its turn to a task under way. */
export interface Turn {
  readonly lane: Lane;
  readonly yields: boolean;
  readonly latest: number;
  readonly deadline: number;
}

export class Waits {
  readonly #clock: Clock;
  readonly #stops = new Set<(error: unknown) => void>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Like `sleep` from the clock module, but woken by `stopAll` without a listener on a shared signal.
   * With a `turn`, the sleep is listed in `turn.lane` until it ends, and may be moved later (up to
   * `turn.latest`) by {@link Waits.yieldTo} when `turn.yields`.
   */
  sleep(ms: number, signal: AbortSignal | undefined, turn?: Turn): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let off: (() => void) | undefined;
      const stop = (error: unknown) => {
        this.#clock.clearTimeout(handle);
        finish();
        reject(error);
      };
      const finish = () => {
        this.#stops.delete(stop);
        off?.();
        const i = sleeper ? turn!.lane.indexOf(sleeper) : -1;
        if (i >= 0) turn!.lane.splice(i, 1);
      };
      const wake = () => {
        finish();
        resolve();
      };
      let handle = this.#clock.setTimeout(wake, ms, KEEP_ALIVE);
      const sleeper: Sleeper | undefined = turn && {
        due: this.#clock.now() + ms,
        yields: turn.yields,
        latest: turn.latest,
        deadline: turn.deadline,
        stop,
        move: (due) => {
          this.#clock.clearTimeout(handle);
          sleeper!.due = due;
          handle = this.#clock.setTimeout(wake, Math.max(0, due - this.#clock.now()), KEEP_ALIVE);
        },
      };
      if (sleeper) turn!.lane.push(sleeper);
      this.#stops.add(stop);
      if (signal) off = onAbort(signal, () => stop(signal.reason));
    });
  }

  /**
   * The turn a call due at `due` takes in `lane`: the earliest of the calls waiting there that it
   * `passes` (a later deadline; the first call of a new task, for a task under way), each of which
   * moves to the next one's turn (the last to `due`); `due` itself when none waits before it.
   * Without `refused` nothing moves. With it the turns are taken, and a call that would move past
   * its own bound is refused with `refused(wait)` instead: its turn goes to the one before it, and
   * the move stops there.
   */
  yieldTo(lane: Lane, due: number, passes: (s: Sleeper) => boolean, refused?: (waitMs: number) => unknown): number {
    const movable = lane.filter((s) => s.due < due && passes(s)).sort((a, b) => a.due - b.due);
    const dues = movable.map((s) => s.due);
    if (refused) {
      for (const [i, s] of movable.entries()) {
        const to = dues[i + 1] ?? due;
        if (to > s.latest) {
          s.stop(refused(to - this.#clock.now()));
          break;
        }
        s.move(to);
      }
    }
    return dues[0] ?? due;
  }

  /** Refuses the first call of a new task without a deadline waiting last in `lane` (to make room for a task under way); false when none waits. */
  refuseLast(lane: Lane, refused: (waitMs: number) => unknown): boolean {
    let last: Sleeper | undefined;
    for (const s of lane) if (s.yields && s.deadline === Infinity && (!last || s.due > last.due)) last = s;
    last?.stop(refused(last.due - this.#clock.now()));
    return last !== undefined;
  }

  /** Waits in `queue` (FIFO) for a concurrency slot of `model`, at most `ms`. */
  slot(queue: (() => void)[], model: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        cleanup();
        resolve();
      };
      const fail = (error: unknown) => {
        const i = queue.indexOf(grant);
        if (i >= 0) queue.splice(i, 1);
        cleanup();
        reject(error);
      };
      let off: (() => void) | undefined;
      const handle: TimerHandle = this.#clock.setTimeout(() => fail(new NoCapacityError(model, ms, 'wait_limit')), Math.max(0, ms), KEEP_ALIVE);
      const cleanup = () => {
        this.#clock.clearTimeout(handle);
        this.#stops.delete(fail);
        off?.();
      };
      queue.push(grant);
      this.#stops.add(fail);
      if (signal) off = onAbort(signal, () => fail(signal.reason));
    });
  }

  /** Ends every pending wait with `error` and clears its timer. */
  stopAll(error: unknown): void {
    for (const stop of [...this.#stops]) stop(error);
  }
}
