import type Bottleneck from 'bottleneck';

/** Gives the admitted slot back. Idempotent. */
export type Release = () => void;

/** Resolves with `promise`, or rejects with the signal's reason first. The promise keeps running. */
export function race<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
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
    const onAbort = () => {
      abandoned = true;
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    limiter
      .schedule(
        () =>
          new Promise<void>((finish) => {
            signal?.removeEventListener('abort', onAbort);
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
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      });
  });
}
