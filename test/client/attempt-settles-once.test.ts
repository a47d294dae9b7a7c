import { describe, expect, it } from 'vitest';
import { type AttemptSink, runAttempt } from '../../src/client/attempt.js';
import { Callbacks } from '../../src/clock/signals.js';
import { Deadlines } from '../../src/clock/deadlines.js';
import { createFakeClock } from '../../src/testing/index.js';

/*
 * An attempt is settled once: dispose() ends a plain attempt (no timeout, no
 * signal of the caller's), and the function settling afterwards (rejecting
 * with its own abort error, or answering late) hands nothing more to the try.
 * Before, the late rejection handed a second failure to the try, which ran its
 * failure steps again on an attempt already ended.
 */

function sinkCounting() {
  const seen: string[] = [];
  const sink: AttemptSink = {
    attemptOk: (value) => (seen.push(`ok ${String(value)}`), value),
    attemptFailed: (error) => {
      seen.push(`failed ${(error as Error).message}`);
      throw error;
    },
  };
  return { seen, sink };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('a plain attempt ended by dispose()', () => {
  for (const late of ['rejects', 'resolves'] as const) {
    it(`hands one failure to its try when its function then ${late}`, async () => {
      const clock = createFakeClock();
      const dispose = new AbortController();
      const onDispose = new Callbacks<unknown>();
      const { seen, sink } = sinkCounting();
      let settle!: { resolve: (v: string) => void; reject: (e: Error) => void };
      const fn = () => new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
      const target = { key: 'm', model: 'm' };
      const call = { signal: undefined, taskId: undefined } as unknown as Parameters<typeof runAttempt>[3];
      const attempt = runAttempt(fn, target, 1, call, clock, dispose.signal, onDispose, new Deadlines(clock), undefined, undefined, undefined, undefined, sink);
      const outcome = attempt.then(
        () => 'resolved',
        (error: Error) => `rejected ${error.message}`,
      );
      dispose.abort(new Error('disposed'));
      onDispose.drain(new Error('disposed'));
      await flush();
      if (late === 'rejects') settle.reject(new Error('aborted by its signal'));
      else settle.resolve('late answer');
      await flush();
      expect(seen).toEqual(['failed disposed']);
      expect(await outcome).toBe('rejected disposed');
    });
  }
});
