/**
 * Counts live real timers (ref'd or not) by wrapping the timer globals. Node's
 * `process.getActiveResourcesInfo()` hides unref'd timers, which is exactly
 * what the system clock creates, so it cannot answer "is there a timer per
 * model?". Bench-only: installs on call, restores on `restore()`.
 */
export interface TimerTracker {
  /** Timers created since install that have neither fired (timeouts) nor been cleared. */
  live(): number;
  restore(): void;
}

export function trackTimers(): TimerTracker {
  const g = globalThis as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = { setTimeout: g.setTimeout!, clearTimeout: g.clearTimeout!, setInterval: g.setInterval!, clearInterval: g.clearInterval! };
  const live = new Set<unknown>();
  g.setTimeout = (fn: unknown, ms: unknown, ...args: unknown[]) => {
    const handle = original.setTimeout((...a: unknown[]) => {
      live.delete(handle);
      (fn as (...x: unknown[]) => void)(...a);
    }, ms, ...args);
    live.add(handle);
    return handle;
  };
  g.setInterval = (fn: unknown, ms: unknown, ...args: unknown[]) => {
    const handle = original.setInterval(fn, ms, ...args);
    live.add(handle);
    return handle;
  };
  g.clearTimeout = (handle: unknown) => {
    live.delete(handle);
    original.clearTimeout(handle);
  };
  g.clearInterval = (handle: unknown) => {
    live.delete(handle);
    original.clearInterval(handle);
  };
  return {
    live: () => live.size,
    restore: () => Object.assign(g, original),
  };
}
