import type { Clock, TimerHandle } from '../clock/clock.js';
import type { ChunkSource } from './types.js';

/** What one pull came back with, or what ended the wait for it. */
export type Step =
  | { readonly kind: 'chunk'; readonly value: unknown }
  | { readonly kind: 'done' }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' };

/**
 * A stream pump's reads from its source: one pull at a time, raced against a
 * timeout and a {@link wake} (the abort, the caller's `return()`). The timer
 * runs only while a pull is pending; a pull that loses the race stays in
 * flight, and the next step takes its chunk.
 */
export class SourcePull {
  readonly #source: ChunkSource;
  readonly #clock: Clock;
  #inflight: Promise<IteratorResult<unknown>> | undefined;
  #wake: ((s: Step) => void) | undefined;

  constructor(source: ChunkSource, clock: Clock) {
    this.#source = source;
    this.#clock = clock;
  }

  /** Pulls one chunk, racing the timeout and {@link wake}. Never rejects. */
  step(timeoutMs: number | undefined): Promise<Step> {
    let p: Promise<IteratorResult<unknown>>;
    try {
      p = this.#inflight ??= Promise.resolve(this.#source.next());
    } catch (error) {
      return Promise.resolve({ kind: 'error', error });
    }
    return new Promise<Step>((resolve) => {
      const clock = this.#clock;
      let timer: TimerHandle | undefined;
      let settled = false;
      const settle = (s: Step, fromSource: boolean) => {
        if (settled) return;
        settled = true;
        // A pull that lost the race stays in flight: the next step takes its chunk.
        if (fromSource) this.#inflight = undefined;
        if (this.#wake === wake) this.#wake = undefined;
        if (timer !== undefined) clock.clearTimeout(timer);
        resolve(s);
      };
      const wake = (s: Step) => settle(s, false);
      this.#wake = wake;
      if (timeoutMs !== undefined) timer = clock.setTimeout(() => settle({ kind: 'timeout' }, false), Math.max(0, timeoutMs));
      p.then(
        (r) => settle(r.done ? { kind: 'done' } : { kind: 'chunk', value: r.value }, true),
        (error: unknown) => settle({ kind: 'error', error }, true),
      );
    });
  }

  /** Ends the pending step with `s`; false when no step is pending. */
  wake(s: Step): boolean {
    if (!this.#wake) return false;
    this.#wake(s);
    return true;
  }
}
