import type { Counter, ModelBreaker } from '../breaker/breaker.js';
import type { Reservation } from '../budget/manager.js';
import type { Classification } from '../classify/classify.js';
import type { Release } from '../limits/limiter.js';
import { retryAfter } from '../retry/retry.js';
import type { ResolvedRetry } from '../retry/options.js';
import { firstChunkLimitMs } from '../stream/options.js';
import type { Usage } from '../usage/extract.js';
import { type AttemptSink, type AttemptTarget, type CallState, type StreamHooks, runAttempt } from './attempt.js';
import type { PipelineDeps } from './deps.js';
import { type AttemptGuard, guardAttempt } from './guards.js';
import type { SharedProbe } from './model-state.js';
import { TryAdmit, admitAttempt, endAdmission } from './admit-view.js';
import { type TryState, classifyOnce, judging, laterOf, streamHooks } from './try-parts.js';
import { attemptFailed, retryFailure, triedAndFailed } from './try-failure.js';
import { type TryJudge, attemptSucceeded, finishTry, judgedBy, settleTry } from './try-success.js';
import type { AttemptFn, Outcome } from './types.js';

/** A deployment of the model being tried: where its attempts go, where a full one spills, and whether another can take over now. */
export interface DeploymentTarget extends AttemptTarget {
  readonly spillTo?: readonly string[] | undefined;
  failover?(): boolean;
}

/** The functions a promise or the breaker takes, bound on first need (a success on a closed breaker binds none). */
type StartedGuard = Extract<AttemptGuard, { readonly start: true }>;

interface Bound<T> {
  neutral?: (error: unknown) => Classification;
  run?: () => Promise<T>;
  ok?: (value: T) => unknown;
  fail?: (error: unknown) => unknown;
}

/**
 * One model of the chain, tried: budget reservation → first attempt → (after
 * a failure) the retry loop; per attempt breaker → timeout → your call →
 * stream priming. Resolves with data, never rejects for a provider failure;
 * only a budget `reject` rejects, to end the chain.
 *
 * The try's state and steps are one object (decision 0040): its methods
 * replace an `async` function and the dozen closures its steps shared; the
 * functions a promise or the breaker takes are bound on first need (decision
 * 0057: a success on a closed breaker binds none). Attempts of one try run one
 * after another, so the attempt under way keeps its state in the try's fields.
 * Every field is filled for every try: what only a failure, a deployment or a
 * stream reads is a getter (decision 0057). The first attempt
 * settles the try from its own continuation: its success is the try's, its
 * failure starts the retry loop; later attempts resolve to the loop.
 */
export class ModelTry<T> implements TryState, AttemptSink {
  readonly deps: PipelineDeps;
  readonly fn: AttemptFn<T>;
  /** The chain's model: budget, events and usage are its. */
  readonly model: string;
  /** Breaker, admission, health, retry budget and headers are the deployment's (or the model's). */
  readonly key: string;
  readonly target: DeploymentTarget | undefined;
  readonly call: CallState;
  /** Models after this one in the chain being run: where a call spills when this one has no capacity. */
  readonly later: readonly string[] | undefined;
  readonly admit: TryAdmit | undefined;
  readonly breaker: ModelBreaker | undefined;
  retry: ResolvedRetry | undefined;
  reservation: Reservation | undefined;
  /** Answers your `conditions.result` rejected were still paid for: their usage is settled with the call's. */
  rejectedUsage: Usage | undefined;
  /** The clock's time when the last attempt ended well: the success path's settle reads no clock of its own. */
  endedAt: number | undefined;
  // TryState: the last failure's classification, computed once.
  error: unknown;
  cls: Classification | undefined;
  streamed = false;
  /** What the call makes of the try's outcome, when it gives one (its first model): the try's promise settles with that. */
  judge: TryJudge<T> | undefined;
  #bound: Bound<T> | undefined;
  // The attempt under way.
  #n = 0;
  #start = 0;
  /** Its admission: a release, or its flight's number (decision 0063); ended once, then undefined. */
  #release: Release | number | undefined;
  /** Its limit and slow-call threshold (guards are frozen and shared). */
  #guard: StartedGuard | undefined;
  #token: number | undefined;
  #probing: SharedProbe | undefined;
  /** Who counts the attempt's end, when the breaker counted its start without a promise of its own (decision 0045). */
  #counter: Counter | undefined;
  /** The attempt's start, unless a shared-state check came first. */
  #startedAt: number | undefined;

  constructor(deps: PipelineDeps, fn: AttemptFn<T>, model: string, given: CallState, index: number, chain: readonly string[], target: DeploymentTarget | undefined) {
    this.deps = deps;
    this.fn = fn;
    this.model = model;
    const key = (this.key = target?.key ?? model);
    this.target = target;
    // A model's or deployment's own timeout, unless the call gave one.
    const ownMs = given.timeoutGiven ? undefined : deps.timeoutFor?.(key);
    this.call = ownMs !== undefined && ownMs !== given.timeoutMs ? { ...given, timeoutMs: ownMs } : given;
    this.later = target?.spillTo ?? laterOf(chain, index);
    this.admit = deps.limiter.enabled ? new TryAdmit(this) : undefined;
    this.breaker = deps.breakerFor(key);
  }

  get signal(): AbortSignal | undefined {
    return this.call.signal;
  }

  get disposeSignal(): AbortSignal {
    return this.deps.disposeSignal;
  }

  /** Without a task id or a deployment, payloads are built without them, so the bus has no undefined field to strip. */
  get plain(): boolean {
    return !this.target && this.call.taskId === undefined;
  }

  /** A deployment's id, for the payloads of a try that has one. */
  get dep(): { readonly deployment: string } | undefined {
    return this.target ? { deployment: this.target.key } : undefined;
  }

  /** Whether a failure counts against the model (the breaker's reading of it). */
  get neutral(): (error: unknown) => Classification {
    return ((this.#bound ??= {}).neutral ??= (error: unknown) => classifyOnce(this, error, this.deps.clock.now()));
  }

  settle(final: Usage | undefined, now?: number): Promise<void> | undefined {
    return settleTry(this, final, now);
  }

  /**
   * The first attempt, once the budget reserved (pipeline.ts starts the try): its outcome, or what {@link judge}
   * makes of it. `at`: the clock's time read a moment ago in this same step, if any (the attempt then reads none).
   */
  first(at?: number): Promise<Outcome<T>> {
    this.retry = this.deps.retryFor ? this.deps.retryFor(this.key) : this.deps.retry;
    try {
      return admitAttempt(this, 1, at) as Promise<Outcome<T>>;
    } catch (error) {
      return this.afterFirst(error);
    }
  }

  /** After the first attempt failed: the retry loop, then the try's end. */
  afterFirst(first: unknown): Promise<Outcome<T>> {
    const retry = this.retry;
    if (!retry) return this.judged(triedAndFailed(this, first));
    const loop = retryAfter<T>({ attempt: (n) => admitAttempt(this, n) as Promise<T>, onFailure: (error, n) => retryFailure(this, retry, error, n) }, retry.maxRetries, first);
    return this.judged(loop.then((value) => finishTry(this, value), (error: unknown) => triedAndFailed(this, error)));
  }

  /** The try's outcome, or what {@link judge} makes of it; the judge is taken once, so no second outcome can run the call's chain again. */
  judged(outcome: Outcome<T> | Promise<Outcome<T>>): Promise<Outcome<T>> {
    const judge = this.judge;
    this.judge = undefined;
    return judge ? judgedBy(judge, outcome) : (outcome as Promise<Outcome<T>>);
  }

  /** An attempt that ended before it started: the first one's failure goes on to the retry loop. */
  early(n: number, error: unknown): Promise<unknown> {
    return n === 1 ? this.afterFirst(error) : Promise.reject(error);
  }

  /** An admitted attempt: its guard, its events and the monitor's count, `fn` through the breaker, then what it records as it ends. */
  admitted(n: number, release: Release | number | undefined, admittedAt: number | undefined): Promise<unknown> {
    const { deps, call, key, breaker } = this;
    const { bus, monitor } = deps;
    let start: number;
    try {
      // Latency counts from admission: time in the limiter's queue is not the provider's.
      start = admittedAt ?? deps.clock.now();
      const guard = guardAttempt(deps, key, call, start, breaker);
      if (!guard.start) {
        endAdmission(this.admit, release);
        return this.early(n, guard.error); // not started: the chain moves on with reason `deadline`
      }
      if (bus.wantsTopic(deps.topics.attempt)) {
        if (this.plain) bus.emitTopic(deps.topics.attempt, { timestamp: start, model: this.model, attempt: n });
        else bus.emit('attempt', { timestamp: start, taskId: call.taskId, model: this.model, ...this.dep, attempt: n });
      }
      this.#n = n;
      this.#start = this.#startedAt = start;
      this.#release = release;
      this.#guard = guard;
      this.#probing = undefined;
      this.#token = monitor?.startCall(key, start, guard.limit?.ms);
    } catch (error) {
      return this.early(n, error);
    }
    try {
      // Judged inside the breaker's execute, so a rejected answer counts against the model only when you ask (its classification says).
      const judged = call.conditions?.result !== undefined;
      const sharedCheck = deps.sharedCheck;
      // A closed breaker counts the start now and the end in this try's handlers (decision 0045); the attempt hands
      // its outcome to them itself, so its promise is the outcome's (no promise of the try's own in between).
      if ((this.#counter = sharedCheck ? undefined : breaker?.enter(start))) return judged ? judging(this, this.#run, n)().then(this.#okFn, this.#failFn) : this.#runWith(this);
      const invoke = judged ? judging(this, this.#run, n) : this.#run;
      const value = sharedCheck ? this.#afterShared(sharedCheck(key), invoke) : breaker ? breaker.execute(invoke, this.neutral, call.signal, start) : invoke();
      return value.then(this.#okFn, this.#failFn);
    } catch (error) {
      try {
        return Promise.resolve(this.#fail(error));
      } catch (thrown) {
        return Promise.reject(thrown);
      }
    }
  }

  /** After the shared check (a method: its closure would give `admitted` a context per attempt): the attempt, the probe's when it holds it. */
  #afterShared(check: Promise<SharedProbe | undefined>, invoke: () => Promise<T>): Promise<T> {
    return check.then((p) => {
      this.#probing = p;
      this.#startedAt = undefined;
      return this.breaker ? this.breaker.execute(invoke, this.neutral, this.call.signal) : invoke();
    });
  }

  /** The attempt the breaker runs: `fn` with the attempt under way's number, limit and start. */
  get #run(): () => Promise<T> {
    return ((this.#bound ??= {}).run ??= () => this.#runWith(undefined));
  }

  #runWith(sink: AttemptSink | undefined): Promise<T> {
    const { deps, call } = this;
    const firstChunkMs = firstChunkLimitMs(call.stream ?? deps.stream, call.run?.request);
    // Without a deployment, the try is where its attempts go: its `key` and `model` are the target's (no object per try).
    return runAttempt(this.fn, this.target ?? this, this.#n, call, deps.clock, deps.disposeSignal, deps.onDispose, deps.deadlines, this, this.#guard?.limit, firstChunkMs, this.#startedAt, sink);
  }

  /** The attempt's value, from the attempt itself (see {@link AttemptSink}). */
  attemptOk(value: unknown): unknown {
    return this.#ok(value as T);
  }

  /** The attempt's failure, from the attempt itself. */
  attemptFailed(error: unknown): unknown {
    return this.#fail(error);
  }

  /** Hooks for a stream the attempt under way returned (runAttempt asks only then). */
  streamHooks(): StreamHooks {
    return streamHooks(this, this.#n, (usage) => this.settle(usage));
  }

  /** {@link #ok} and {@link #fail} as functions, for a promise's `then` or a count that waits (the attempt hands a success on a closed breaker to the methods). */
  get #okFn(): (value: T) => unknown {
    return ((this.#bound ??= {}).ok ??= (value: T) => this.#ok(value));
  }

  get #failFn(): (error: unknown) => unknown {
    return ((this.#bound ??= {}).fail ??= (error: unknown) => this.#fail(error));
  }

  #ok(value: T): unknown {
    // The breaker counted the attempt's start (decision 0045): it counts the end (a throw there fails the attempt), then the success goes on.
    if (this.#counter) {
      const counter = this.#counted();
      try {
        this.breaker!.countSucceeded(counter, value);
      } catch (thrown) {
        return this.#fail(thrown);
      }
    }
    if (this.#n !== 1) return this.#succeeded(value);
    let ok: T;
    try {
      ok = this.#succeeded(value);
    } catch (error) {
      return this.afterFirst(error);
    }
    return this.judged(finishTry(this, ok));
  }

  #fail(error: unknown): unknown {
    if (this.#counter) return this.breaker!.failed(this.#counted(), error, this.neutral, this.#failFn);
    if (this.#n !== 1) return this.#failed(error);
    try {
      return this.#failed(error);
    } catch (thrown) {
      return this.afterFirst(thrown);
    }
  }

  #counted(): Counter {
    const counter = this.#counter!;
    this.#counter = undefined;
    return counter;
  }

  /** What a successful attempt records (see {@link attemptSucceeded}); a throw there fails the attempt. */
  #succeeded(value: T): T {
    try {
      attemptSucceeded(this, this.#n, this.#start, this.#guard?.slowMs, this.#probing);
    } catch (error) {
      return this.#failed(error);
    }
    this.#ended();
    return value;
  }

  #failed(error: unknown): never {
    try {
      attemptFailed(this, error, this.#n, this.#start, this.#guard?.slowMs, this.#probing);
    } finally {
      this.#ended();
    }
    throw error;
  }

  /** The attempt's end: the monitor's count and the admission slot. */
  #ended(): void {
    if (this.#token !== undefined) this.deps.monitor!.endCall(this.#token);
    const release = this.#release;
    this.#release = undefined;
    endAdmission(this.admit, release);
  }
}
