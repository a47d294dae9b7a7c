import type { Clock } from '../clock/clock.js';
import { NoCapacityError } from '../errors/errors.js';
import { turnIn } from '../limits/turns.js';
import { type Lane, type Sleeper, type Turn, Waits } from '../limits/waits.js';

/** Where a call that states its deadline waits, once the shared buckets gave it a turn. */
export interface SharedTurn {
  /** Ms until its turn in this process (at most its bound). */
  readonly waitMs: number;
  readonly turn: Turn;
}

/**
 * The turns of this process's calls that state their deadline, on the shared buckets.
 *
 * Each call waiting here holds a turn the shared script gave it (its units taken there, due at
 * a time every process agreed on). Which of this process's calls uses which of its turns is this
 * process's own business, so it orders them as one process does: earliest deadline first, and a
 * call of a task under way takes the turn of a waiting first call of a new task (decision 0037,
 * with its amendment). The set of turns, and so what reaches the provider when, is unchanged.
 */
export class SharedTurns {
  readonly #waits: Waits;
  readonly #lanes = new Map<string, Lane>();

  constructor(clock: Clock) {
    this.#waits = new Waits(clock);
  }

  /**
   * The turn of a call whose shared turn is due at `now + waitMs`: the earliest turn of this process's
   * calls it passes (each of them moves one turn later, and one moved past its own bound is refused),
   * or its own. Undefined when even that is past `bound`: nothing moved, the call is to be refused.
   */
  take(model: string, o: { readonly deadline: number; readonly underWay: boolean; readonly now: number; readonly waitMs: number; readonly bound: number }): SharedTurn | undefined {
    const { deadline, underWay, now, waitMs, bound } = o;
    let lane = this.#lanes.get(model);
    if (!lane) this.#lanes.set(model, (lane = []));
    const due = now + waitMs;
    // As one process does (every call here states its deadline).
    const { at: turnAt, passes } = turnIn(this.#waits, lane, { now, wait: waitMs, bound, deadline, underWay, stated: true });
    if (turnAt - now > bound) return undefined;
    if (turnAt < due) this.#waits.yieldTo(lane, due, passes, (ms) => new NoCapacityError(model, ms, underWay ? 'over_capacity' : 'deadline'));
    return { waitMs: Math.max(0, turnAt - now), turn: { lane, yields: !underWay, latest: now + bound, deadline } };
  }

  /**
   * The turn of a call that got no shared turn within `bound`: the earliest turn of this process's calls
   * it passes, each of them moving one turn later and the last one refused (its units become the
   * caller's). Undefined when there is none within `bound`: nothing moved.
   */
  handOver(model: string, o: { readonly deadline: number; readonly underWay: boolean; readonly now: number; readonly bound: number }): SharedTurn | undefined {
    const { deadline, underWay, now, bound } = o;
    const lane = this.#lanes.get(model);
    if (!lane) return undefined;
    const passes = (x: Sleeper) => (x.deadline > deadline && x.deadline !== Infinity) || (underWay && x.yields);
    const turnAt = this.#waits.yieldTo(lane, Infinity, passes);
    if (turnAt === Infinity || turnAt - now > bound) return undefined;
    this.#waits.yieldTo(lane, Infinity, passes, (ms) => new NoCapacityError(model, Number.isFinite(ms) ? ms : 0, underWay ? 'over_capacity' : 'deadline'));
    return { waitMs: Math.max(0, turnAt - now), turn: { lane, yields: !underWay, latest: now + bound, deadline } };
  }

  /** Sleeps until the turn (moved later by calls that take it); rejects when `signal` aborts or on {@link SharedTurns.stopAll}. */
  sleep(t: SharedTurn, signal: AbortSignal | undefined): Promise<void> {
    return this.#waits.sleep(t.waitMs, signal, t.turn);
  }

  /** Drops an idle model's lane; false while calls wait in it. */
  forget(model: string): boolean {
    if ((this.#lanes.get(model)?.length ?? 0) > 0) return false;
    this.#lanes.delete(model);
    return true;
  }

  stopAll(error: unknown): void {
    this.#waits.stopAll(error);
    this.#lanes.clear();
  }
}
