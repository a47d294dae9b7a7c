/**
 * TEST HARNESS ONLY — not the integration. It shows primeStream composed with
 * `ResilientClient.run` from the outside, by priming inside the user function,
 * until the lead wires `isStreamResult` / `primeStream` into runAttempt.
 */
import type { ResilientClient } from '../../src/client/client.js';
import type { AttemptContext } from '../../src/client/types.js';
import type { Clock } from '../../src/clock/clock.js';
import { isStreamResult } from '../../src/stream/detect.js';
import { type PrimeOptions, type StreamSummary, primeStream } from '../../src/stream/prime.js';

export interface HarnessOptions extends Omit<Partial<PrimeOptions>, 'clock' | 'model' | 'signal' | 'abort'> {
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** Called with each primed stream's end summary (committed or not). */
  readonly onSummary?: (model: string, summary: StreamSummary) => void;
}

export function runStream<T>(client: ResilientClient, fn: (ctx: AttemptContext) => Promise<T>, o: HarnessOptions): Promise<T> {
  return client.run(
    async (ctx) => {
      // One controller per attempt, linked to the caller's signal for the stream's whole life:
      // runAttempt detaches its own links when fn resolves, i.e. at the commit.
      const ac = new AbortController();
      const links = [ctx.signal, o.signal].filter((s): s is AbortSignal => s !== undefined);
      const forward = (s: AbortSignal) => () => ac.abort(s.reason);
      const fwd = links.map((s) => {
        const f = forward(s);
        if (s.aborted) f();
        else s.addEventListener('abort', f, { once: true });
        return f;
      });
      const unlink = () => links.forEach((s, i) => s.removeEventListener('abort', fwd[i]!));
      const startedAt = o.clock.now();
      let result: T;
      try {
        result = await fn({ ...ctx, signal: ac.signal, model: ctx.model, attempt: ctx.attempt });
      } catch (e) {
        unlink();
        throw e;
      }
      if (!isStreamResult(result)) {
        unlink();
        return result;
      }
      const primed = await primeStream(result, {
        ...o,
        clock: o.clock,
        model: ctx.model,
        startedAt,
        signal: ac.signal,
        abort: (r) => ac.abort(r),
        onEnd: (s) => {
          unlink();
          o.onSummary?.(ctx.model, s);
          o.onEnd?.(s);
        },
      });
      return primed.value;
    },
    { signal: o.signal },
  );
}
