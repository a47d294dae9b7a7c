/**
 * Dependencies the library loads on first need rather than at import, so that
 * a cold start does not pay for machinery it may never use (the retry loop's
 * package is loaded at a call's first failure).
 *
 * A load is real I/O, which a fake clock cannot see. The testing clock waits
 * for every load in progress before it moves time ({@link modulesLoading}),
 * so a test that fails a call and then advances the clock behaves the same
 * whether or not the module had been loaded before.
 */
const inProgress = new Set<Promise<unknown>>();

/** A function that starts `load` once, on its first call, and returns the same promise after. */
export function onDemand<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    if (loaded) return loaded;
    const p = (loaded = load());
    inProgress.add(p);
    const done = () => void inProgress.delete(p);
    p.then(done, done);
    return p;
  };
}

/** Settles when every on-demand load started so far has settled; `undefined` when none is in progress. */
export function modulesLoading(): Promise<unknown> | undefined {
  return inProgress.size === 0 ? undefined : Promise.allSettled(inProgress);
}
