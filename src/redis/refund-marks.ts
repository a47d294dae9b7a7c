import type { Release } from '../limits/limiter.js';
import { bounded } from './outbox.js';

/** One model's marks: the store's latest count of output refunds, and the count as each call in flight was sent. */
interface Marks {
  latest: number;
  /** Per call in flight, in send order: the count when it was sent. */
  readonly flights: Map<number, number>;
  next: number;
}

/**
 * The store's running count of the output it refunded (given back by answers that wrote less than their
 * cap), as this process's admissions of each model read it, and the count as each call of this process
 * still in flight read it when it was sent. A header reading describes the provider when it received the
 * reading's call, one still in flight: the refunds the store added since the oldest of them was sent may
 * not be in it yet. {@link since} answers the count as it stood then.
 */
export class RefundMarks {
  readonly #models = new Map<string, Marks>();

  #marks(model: string): Marks {
    let m = this.#models.get(model);
    if (!m) bounded(this.#models, model, (m = { latest: 0, flights: new Map(), next: 0 }));
    return m;
  }

  /** An admission of `model` read the store's count: `count`. */
  note(model: string, count: number): void {
    const m = this.#marks(model);
    if (count > m.latest) m.latest = count;
  }

  /** A call of `model` is sent now (the count as last read); the release ends its flight. */
  start(model: string): Release {
    const m = this.#marks(model);
    const seq = m.next++;
    m.flights.set(seq, m.latest);
    const flights = m.flights;
    return () => {
      flights.delete(seq);
    };
  }

  /** The count when the oldest call of `model` still in flight was sent; undefined when none is. */
  since(model: string): number | undefined {
    const m = this.#models.get(model);
    if (!m) return undefined;
    let last: number | undefined;
    for (const count of m.flights.values()) last = count;
    return last;
  }

  delete(model: string): void {
    this.#models.delete(model);
  }

  clear(): void {
    this.#models.clear();
  }
}
