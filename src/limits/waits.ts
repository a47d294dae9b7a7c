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

export class Waits {
  readonly #clock: Clock;
  readonly #stops = new Set<(error: unknown) => void>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Like `sleep` from the clock module, but woken by `stopAll` without a listener on a shared signal. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
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
      };
      const handle = this.#clock.setTimeout(() => {
        finish();
        resolve();
      }, ms, KEEP_ALIVE);
      this.#stops.add(stop);
      if (signal) off = onAbort(signal, () => stop(signal.reason));
    });
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
