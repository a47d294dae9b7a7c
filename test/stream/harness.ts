/**
 * Runs a streaming call through the client's own stream wiring (runAttempt
 * primes every stream result) and reports each committed stream's end summary
 * from the `stream:end` event.
 */
import type { ResilientClient } from '../../src/client/client.js';
import type { AttemptContext } from '../../src/client/types.js';
import type { Clock } from '../../src/clock/clock.js';
import type { StreamOptions } from '../../src/stream/options.js';
import type { StreamSummary } from '../../src/stream/prime.js';

export interface HarnessOptions extends StreamOptions {
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** Called with each committed stream's end summary. */
  readonly onSummary?: (model: string, summary: StreamSummary) => void;
  readonly onEnd?: (summary: StreamSummary) => void;
}

export function runStream<T>(client: ResilientClient, fn: (ctx: AttemptContext) => Promise<T>, o: HarnessOptions): Promise<T> {
  const { clock: _clock, signal, onSummary, onEnd, ...stream } = o;
  if (onSummary || onEnd) {
    const off = client.on('stream:end', (e) => {
      const summary: StreamSummary = {
        chunks: e.chunks,
        ttftMs: e.ttftMs,
        durationMs: e.durationMs,
        outcome: e.outcome,
        committed: true,
        ...(e.usage ? { usage: e.usage } : {}),
      } as StreamSummary;
      onSummary?.(e.model, summary);
      onEnd?.(summary);
      off();
    });
  }
  return client.run(fn, { ...(signal ? { signal } : {}), stream });
}
