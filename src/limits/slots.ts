import type Bottleneck from 'bottleneck';
import { onAbort } from '../clock/signals.js';

/** Gives the admitted slot back. Idempotent. */
export type Release = () => void;

/** Resolves with `promise`, or rejects with the signal's reason first. The promise keeps running. */
export function race<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    // One listener per signal however many calls wait on it (a caller's signal may be shared).
    const off = onAbort(signal, () => reject(signal.reason));
    promise.then(
      (v) => (off(), resolve(v)),
      (e) => (off(), reject(e)),
    );
  });
}

/**
 * Occupies one slot of `limiter` until the returned release is called. A call
 * aborted while queued gives its slot back the moment bottleneck grants it.
 */
export function hold(limiter: Bottleneck, signal: AbortSignal | undefined): Promise<Release> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<Release>((resolve, reject) => {
    let abandoned = false;
    const off = signal
      ? onAbort(signal, () => {
          abandoned = true;
          reject(signal.reason);
        })
      : undefined;
    limiter
      .schedule(
        () =>
          new Promise<void>((finish) => {
            off?.();
            if (abandoned) return finish();
            let released = false;
            resolve(() => {
              if (released) return;
              released = true;
              finish();
            });
          }),
      )
      .catch((error: unknown) => {
        off?.();
        reject(error);
      });
  });
}
