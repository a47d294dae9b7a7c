import { bounded } from './outbox.js';

/** Admissions remembered per model: enough to reach a latency back at hundreds of admissions a minute. */
const KEPT = 128;

/** One model's store counts of output refunds, by the clock time this process's admissions read them. */
interface Marks {
  readonly at: number[];
  readonly count: number[];
  /** Where the next one goes (the ring's oldest once full). */
  next: number;
  /** The latest latency a call of this model expected (ms; 0 when none said). */
  latencyMs: number;
}

/**
 * The store's running count of the output it refunded (given back by answers that wrote less than their
 * cap), as this process's admissions of each model read it, and when. A header reading describes the
 * provider when it received the reading's call, a latency before the reading: the refunds the store
 * added since that call was sent are not in it yet. {@link since} answers the count as it stood then.
 */
export class RefundMarks {
  readonly #models = new Map<string, Marks>();

  /** The store counted `count` at `at`; `latencyMs`: what the admitted call expected to take (0: not said). */
  note(model: string, at: number, count: number, latencyMs: number): void {
    let m = this.#models.get(model);
    if (!m) bounded(this.#models, model, (m = { at: [], count: [], next: 0, latencyMs: 0 }));
    m.at[m.next] = at;
    m.count[m.next] = count;
    m.next = (m.next + 1) % KEPT;
    if (latencyMs > 0) m.latencyMs = latencyMs;
  }

  /**
   * The count before a call answered at `observedAt` was sent (one latency before): the latest noted at or
   * before then, else the oldest kept; undefined when none is kept or no latency is known.
   */
  since(model: string, observedAt: number): number | undefined {
    const m = this.#models.get(model);
    if (!m || m.latencyMs <= 0) return undefined;
    const sent = observedAt - m.latencyMs;
    let best: number | undefined;
    let bestAt = -Infinity;
    let oldest: number | undefined;
    let oldestAt = Infinity;
    for (let i = 0; i < m.at.length; i++) {
      const at = m.at[i]!;
      if (at <= sent && at >= bestAt) [best, bestAt] = [m.count[i], at];
      if (at < oldestAt) [oldest, oldestAt] = [m.count[i], at];
    }
    return best ?? oldest;
  }

  delete(model: string): void {
    this.#models.delete(model);
  }

  clear(): void {
    this.#models.clear();
  }
}
