import type { ModelBreaker } from '../breaker/breaker.js';
import type { Judgement } from '../breaker/engine.js';
import type { Classification } from '../classify/classify.js';
import { classifyError } from '../classify/classify.js';
import { judgeResult } from '../fallback/conditions.js';
import { outcomeOf } from '../monitor/outcome.js';
import { streamEventHooks } from '../stream/events.js';
import type { StreamSummary } from '../stream/pump.js';
import { type Usage, addUsage, extractUsage } from '../usage/extract.js';
import type { CallState, StreamHooks } from './attempt.js';
import type { PipelineDeps } from './deps.js';
import { STOPPED, stoppedBy } from './stop.js';

/*
 * The parts of a model try built once per try (model-try.ts runs it): the later
 * models a call may spill to, the stream hooks,
 * and the try's once-per-failure classification.
 */

/** One model try's state: the last failure's classification, computed once. */
export interface TryState {
  error: unknown;
  cls: Classification | undefined;
  /** Set when an attempt handed a committed stream to the caller: settling moves to the stream's end. */
  streamed: boolean;
  readonly signal: AbortSignal | undefined;
  readonly disposeSignal: AbortSignal;
}

export function classifyOnce(state: TryState, error: unknown, now: number): Classification {
  // Once the caller aborted (or the client was disposed), any failure is that stop, whatever its shape.
  if (stoppedBy(state.signal, state.disposeSignal)) return STOPPED;
  if (state.error === error && state.cls) return state.cls;
  const cls = classifyError(error, now);
  state.error = error;
  state.cls = cls;
  return cls;
}

// Per frozen chain (the client's `models`), the models after each index: built
// once rather than sliced on every model try, since slicing a frozen array takes
// V8's slow path (half a microsecond per call). An array that can change (a
// call's own `models`) is sliced each time.
const tails = new WeakMap<readonly string[], (readonly string[] | undefined)[]>();

// The frozen chain asked for last (a client's own `models`, on nearly every call) and its tails: no WeakMap look-up
// for it. Frozen, it cannot change; the reference keeps at most one chain alive.
let lastChain: readonly string[] | undefined;
let lastTails: (readonly string[] | undefined)[] | undefined;

/** The models after `index` in `chain`, or undefined when none. */
export function laterOf(chain: readonly string[], index: number): readonly string[] | undefined {
  if (chain.length <= index + 1) return undefined;
  let list: (readonly string[] | undefined)[] | undefined;
  if (chain === lastChain) list = lastTails!;
  else {
    if (!Object.isFrozen(chain)) return chain.slice(index + 1);
    list = tails.get(chain);
    if (!list) tails.set(chain, (list = []));
    lastChain = chain;
    lastTails = list;
  }
  return (list[index] ??= Object.freeze(chain.slice(index + 1)));
}

/** Admission's view of a call, built once per model try. */
export type { TryAdmit } from './admit-view.js';

/** What a stream's hooks read of the model try whose attempt returned it. */
export interface HookedTry extends TryState {
  readonly deps: PipelineDeps;
  readonly model: string;
  readonly key: string;
  readonly call: CallState;
  readonly breaker: ModelBreaker | undefined;
  readonly neutral: (e: unknown) => boolean | Judgement;
}

/**
 * Hooks for a stream attempt `attempt` returned: events, the monitor's TTFT and
 * duration, settling the budget when the stream ends, and counting a failure
 * after the commit against the breaker (the attempt itself already succeeded).
 * Built by runAttempt only when the result is a stream.
 */
export function streamHooks(t: HookedTry, attempt: number, settle: (usage: Usage | undefined) => Promise<void> | undefined): StreamHooks {
  const { deps, model, key, call, breaker, neutral } = t;
  const ev = streamEventHooks(deps.bus, { clock: deps.clock, model, deployment: key !== model ? key : undefined, attempt, ...(call.taskId !== undefined ? { taskId: call.taskId } : {}) });
  const options = call.stream ?? deps.stream;
  return {
    options,
    onCommit(info) {
      t.streamed = true;
      ev.onCommit?.(info);
    },
    onError(error, summary) {
      ev.onError?.(error, summary);
      const cause = error.cause;
      const kind = classifyOnce(t, cause, deps.clock.now()).kind;
      const outcome = outcomeOf(kind);
      if (deps.monitor && outcome) deps.monitor.recordAttempt(key, outcome, summary.durationMs);
      breaker?.execute(() => Promise.reject(cause), neutral).catch(() => {});
    },
    onEnd(summary: StreamSummary) {
      ev.onEnd?.(summary);
      if (!summary.committed) return; // a failure before the commit is the attempt's own failure
      if (deps.monitor && summary.ttftMs !== undefined) deps.monitor.recordStream(key, summary.ttftMs, summary.durationMs);
      void settle(summary.usage);
    },
  };
}

/**
 * Attempt `n` judged by your `conditions.result`: a rejected answer's usage is
 * kept on the try (it was paid for) and settled with the call's.
 */
export function judging<T>(t: { readonly call: CallState; readonly model: string; rejectedUsage: Usage | undefined }, run: () => Promise<T>, n: number): () => Promise<T> {
  const conditions = t.call.conditions!;
  return () =>
    run().then((v) =>
      judgeResult(conditions, v, { model: t.model, attempt: n }, (rejected) => {
        const usage = (t.call.usage ?? extractUsage)(rejected);
        if (usage) t.rejectedUsage = t.rejectedUsage ? addUsage(t.rejectedUsage, usage) : usage;
      }),
    );
}
