import { type Classification, KIND_TRAITS } from '../classify/classify.js';

/**
 * How the pipeline reads any failure of a call stopped from outside (the
 * caller's signal aborted, or the client was disposed), whatever the attempt
 * threw: never retried, never moved to another model, never counted against
 * the model by the breaker or the monitor. Only the client's own deadlines make
 * timeouts; a caller's `AbortSignal.timeout()` is the caller's abort.
 */
export const STOPPED: Classification = Object.freeze({ kind: 'abort', ...KIND_TRAITS.abort });

/** The signal that stopped the call (the caller's, then dispose), or undefined while it runs. */
export function stoppedBy(signal: AbortSignal | undefined, disposeSignal: AbortSignal): AbortSignal | undefined {
  return signal?.aborted ? signal : disposeSignal.aborted ? disposeSignal : undefined;
}

/** Nothing new starts once the call is stopped: throws the stopping signal's reason. */
export function throwIfStopped(signal: AbortSignal | undefined, disposeSignal: AbortSignal): void {
  const stopped = stoppedBy(signal, disposeSignal);
  if (stopped) throw stopped.reason;
}
