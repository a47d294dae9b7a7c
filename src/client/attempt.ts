import type { Clock } from '../clock/clock.js';
import { TimeoutError } from '../errors/errors.js';
import type { AttemptContext, AttemptFn } from './types.js';

const KEEP_ALIVE = Object.freeze({ keepAlive: true });

/** Per-call state shared by every attempt of one `run`. */
export interface CallState {
  readonly taskId: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
}

class Context implements AttemptContext {
  readonly model: string;
  readonly attempt: number;
  readonly taskId: string | undefined;
  #signal: AbortSignal | (() => AbortSignal);

  constructor(model: string, attempt: number, taskId: string | undefined, signal: AbortSignal | (() => AbortSignal)) {
    this.model = model;
    this.attempt = attempt;
    this.taskId = taskId;
    this.#signal = signal;
  }

  // Built on first read: most calls that never look at the signal allocate nothing for it.
  get signal(): AbortSignal {
    if (typeof this.#signal === 'function') this.#signal = this.#signal();
    return this.#signal;
  }
}

/** Rejects as soon as `signal` aborts; returns a function that detaches the listener. */
function abortRace(signal: AbortSignal): { promise: Promise<never>; detach: () => void } {
  let onAbort!: () => void;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, detach: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * Runs one attempt of the user's function. It always settles: if the function
 * ignores its signal, the attempt still rejects when the timeout fires or the
 * caller aborts (the function's late result is dropped).
 */
export async function runAttempt<T>(
  fn: AttemptFn<T>,
  model: string,
  attempt: number,
  call: CallState,
  clock: Clock,
  disposeSignal: AbortSignal,
): Promise<T> {
  const timeoutMs = call.timeoutMs;
  const callerSignal = call.signal;

  if (timeoutMs === undefined) {
    const signal = callerSignal
      ? () => AbortSignal.any([callerSignal, disposeSignal])
      : disposeSignal; // shared: no allocation on the common path
    const ctx = new Context(model, attempt, call.taskId, signal);
    if (!callerSignal) return await fn(ctx);
    callerSignal.throwIfAborted();
    const race = abortRace(callerSignal);
    try {
      return await Promise.race([fn(ctx), race.promise]);
    } finally {
      race.detach();
    }
  }

  const controller = new AbortController();
  const links: AbortSignal[] = callerSignal ? [callerSignal, disposeSignal] : [disposeSignal];
  const forward = (s: AbortSignal) => () => controller.abort(s.reason);
  const forwards = links.map((s) => {
    const f = forward(s);
    if (s.aborted) f();
    else s.addEventListener('abort', f, { once: true });
    return f;
  });
  const timer = clock.setTimeout(() => controller.abort(new TimeoutError(model, timeoutMs)), timeoutMs, KEEP_ALIVE);
  const race = abortRace(controller.signal);
  try {
    const ctx = new Context(model, attempt, call.taskId, controller.signal);
    return await Promise.race([Promise.resolve().then(() => fn(ctx)), race.promise]);
  } finally {
    clock.clearTimeout(timer);
    race.detach();
    links.forEach((s, i) => s.removeEventListener('abort', forwards[i]!));
  }
}
