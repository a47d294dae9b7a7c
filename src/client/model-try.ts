import type { Counter, ModelBreaker } from '../breaker/breaker.js';
import { type Reservation, type ReserveResult, budgetNow } from '../budget/manager.js';
import type { Classification } from '../classify/classify.js';
import type { Release } from '../limits/limiter.js';
import { retryAfter } from '../retry/retry.js';
import type { ResolvedRetry } from '../retry/options.js';
import { firstChunkLimitMs } from '../stream/options.js';
import type { Usage } from '../usage/extract.js';
import { type AttemptLimit, type AttemptSink, type AttemptTarget, type CallState, type StreamHooks, runAttempt } from './attempt.js';
import type { PipelineDeps } from './deps.js';
import { guardAttempt } from './guards.js';
import type { SharedProbe } from './model-state.js';
import { stoppedBy } from './stop.js';
import { TryAdmit } from './admit-view.js';
import { type TryState, classifyOnce, judging, laterOf, streamHooks } from './try-parts.js';
import { attemptFailed, retryFailure, triedAndFailed } from './try-failure.js';
import { finishTry, judgedBy, settleTry } from './try-success.js';
import type { AttemptFn, Outcome } from './types.js';

/** A deployment of the model being tried: where its attempts go, where a full one spills, and whether another can take over now. */
export interface DeploymentTarget extends AttemptTarget {
  readonly spillTo?: readonly string[] | undefined;
  failover?(): boolean;
}

/**
 * One model of the chain, tried: budget reservation → first attempt → (after
 * a failure) the retry loop; per attempt breaker → timeout → your call →
 * stream priming. Resolves with data, never rejects for a provider failure;
 * only a budget `reject` rejects, to end the chain.
 *
 * The try's state and steps are one object (decision 0040): its methods and
 * four functions bound once per try replace an `async` function and the dozen
 * closures its steps shared. Attempts of one try run one after another, so the
 * attempt under way keeps its state in the try's fields. The first attempt
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
  readonly to: AttemptTarget;
  readonly dep: { readonly deployment: string } | undefined;
  /** Without a task id or a deployment, payloads are built without them, so the bus has no undefined field to strip. */
  readonly plain: boolean;
  readonly call: CallState;
  /** Models after this one in the chain being run: where a call spills when this one has no capacity. */
  readonly later: readonly string[] | undefined;
  readonly admit: TryAdmit | undefined;
  readonly breaker: ModelBreaker | undefined;
  readonly firstChunkMs: number | undefined;
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
  readonly signal: AbortSignal | undefined;
  readonly disposeSignal: AbortSignal;
  // The attempt under way.
  #n = 0;
  #start = 0;
  #release: Release | undefined;
  #slowMs: number | undefined;
  #limit: AttemptLimit | undefined;
  #token: number | undefined;
  #probing: SharedProbe | undefined;
  /** Who counts the attempt's end, when the breaker counted its start without a promise of its own (decision 0045). */
  #counter: Counter | undefined;
  /** The attempt's start, unless a shared-state check came first. */
  #startedAt: number | undefined;
  /** What the call makes of the try's outcome, when it gives one (its first model): the try's promise settles with that. */
  judge: ((outcome: Outcome<T>) => unknown) | undefined;

  constructor(deps: PipelineDeps, fn: AttemptFn<T>, model: string, given: CallState, index: number, chain: readonly string[], target: DeploymentTarget | undefined) {
    this.deps = deps;
    this.fn = fn;
    this.model = model;
    const key = (this.key = target?.key ?? model);
    this.target = target;
    // Without a deployment, the try is where its attempts go: its `key` and `model` are the target's (no object per try).
    this.to = target ?? this;
    this.dep = target ? { deployment: target.key } : undefined;
    this.plain = !target && given.taskId === undefined;
    // A model's or deployment's own timeout, unless the call gave one.
    const ownMs = given.timeoutGiven ? undefined : deps.timeoutFor?.(key);
    const call = (this.call = ownMs !== undefined && ownMs !== given.timeoutMs ? { ...given, timeoutMs: ownMs } : given);
    this.later = target?.spillTo ?? laterOf(chain, index);
    this.admit = deps.limiter.enabled ? new TryAdmit(this) : undefined;
    this.signal = call.signal;
    this.disposeSignal = deps.disposeSignal;
    this.breaker = deps.breakerFor(key);
    this.firstChunkMs = firstChunkLimitMs(call.stream ?? deps.stream, call.run?.request);
  }

  #neutral: ((error: unknown) => Classification) | undefined;
  /** Whether a failure counts against the model (the breaker's reading of it); bound on first need (a success on a closed breaker has none). */
  get neutral(): (error: unknown) => Classification {
    return (this.#neutral ??= (error: unknown) => classifyOnce(this, error, this.deps.clock.now()));
  }

  /** The try: its outcome, or a rejection only for a budget `reject`. */
  start(): Promise<Outcome<T>> {
    try {
      const budget = this.deps.budget;
      if (!budget) return this.#first();
      const call = this.call;
      const estimate = call.estimate ?? budget.estimate(undefined);
      const request = call.taskId === undefined ? { model: this.model, estimate } : { model: this.model, taskId: call.taskId, estimate };
      // The in-memory store answers now: no promise hop for it, and one clock reading serves the reservation and the first attempt's start.
      const at = budgetNow.answersNow(budget) ? this.deps.clock.now() : undefined;
      const now = budgetNow.reserveNow(budget, request, at);
      return now ? this.#reserved(now, at) : budget.reserve(request).then((r) => this.#reserved(r));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #reserved(r: ReserveResult, at?: number): Promise<Outcome<T>> {
    if (!r.ok) {
      if (r.action === 'reject') throw r.error;
      return this.#judged(Promise.resolve({ ok: false, error: r.error, kind: 'budget' }));
    }
    this.reservation = r.reservation;
    return this.#first(at);
  }

  /** `at`: the clock's time read a moment ago in this same step, if any (the first attempt then reads none). */
  #first(at?: number): Promise<Outcome<T>> {
    this.retry = this.deps.retryFor ? this.deps.retryFor(this.key) : this.deps.retry;
    try {
      return this.#attempt(1, at) as Promise<Outcome<T>>;
    } catch (error) {
      return this.afterFirst(error);
    }
  }

  /** After the first attempt failed: the retry loop, then the try's end. */
  afterFirst(first: unknown): Promise<Outcome<T>> {
    const retry = this.retry;
    if (!retry) return this.#judged(triedAndFailed(this, first));
    const loop = retryAfter<T>({ attempt: (n) => this.#attempt(n) as Promise<T>, onFailure: (error, n) => retryFailure(this, retry, error, n) }, retry.maxRetries, first);
    return this.#judged(loop.then((value) => finishTry(this, value), (error: unknown) => triedAndFailed(this, error)));
  }

  /** The try's outcome, or what {@link judge} makes of it; the judge is taken once, so no second outcome can run the call's chain again. */
  #judged(outcome: Outcome<T> | Promise<Outcome<T>>): Promise<Outcome<T>> {
    const judge = this.judge;
    this.judge = undefined;
    return judge ? judgedBy(judge, outcome) : (outcome as Promise<Outcome<T>>);
  }

  settle(final: Usage | undefined, now?: number): Promise<void> | undefined {
    return settleTry(this, final, now);
  }

  /**
   * Attempt `n`. The first resolves with the try's outcome (see the class); a
   * later one resolves with `fn`'s value or rejects with the attempt's error,
   * for the retry loop.
   */
  #attempt(n: number, now?: number): Promise<unknown> {
    const { deps, admit } = this;
    const stopped = stoppedBy(this.signal, deps.disposeSignal);
    if (stopped) return this.#early(n, stopped.reason);
    // A failure came before the breaker's engine had loaded: the attempt starts once it is judged, so it reaches the provider or is refused.
    const deferred = this.breaker?.deferred;
    if (deferred) return deferred.then(undefined, () => undefined).then(() => this.#attempt(n));
    // Admission before the attempt (and its timeout) starts: queueing is not the provider's latency.
    if (!admit) return this.#admitted(n, undefined, now);
    // The clock's time, read once for admission's weight and, when it answers at once, the attempt's start.
    const at = (admit.at = now ?? deps.clock.now());
    let answer: Release | Promise<Release>;
    try {
      answer = deps.limiter.admit(this.key, admit);
    } catch (error) {
      return this.#early(n, error);
    } finally {
      admit.at = undefined;
    }
    if (typeof answer === 'function') return this.#admitted(n, answer, at);
    return answer.then(
      (release) => this.#admitted(n, release, undefined),
      // Refused: a few calls are held until their callers abort, to learn their patience, then refused (decision 0060).
      (error: unknown) => admit.held(error)?.then(() => this.#early(n, error), (e: unknown) => this.#early(n, e)) ?? this.#early(n, error),
    );
  }

  /** An attempt that ended before it started: the first one's failure goes on to the retry loop. */
  #early(n: number, error: unknown): Promise<unknown> {
    return n === 1 ? this.afterFirst(error) : Promise.reject(error);
  }

  /** An admitted attempt: its guard, its events and the monitor's count, `fn` through the breaker, then what it records as it ends. */
  #admitted(n: number, release: Release | undefined, admittedAt: number | undefined): Promise<unknown> {
    const { deps, call, key, breaker } = this;
    const { bus, monitor } = deps;
    let start: number;
    try {
      // Latency counts from admission: time in the limiter's queue is not the provider's.
      start = admittedAt ?? deps.clock.now();
      const guard = guardAttempt(deps, key, call, start, breaker);
      if (!guard.start) {
        release?.();
        return this.#early(n, guard.error); // not started: the chain moves on with reason `deadline`
      }
      if (bus.wants('attempt')) {
        if (this.plain) bus.emitBuilt('attempt', { timestamp: start, model: this.model, attempt: n });
        else bus.emit('attempt', { timestamp: start, taskId: call.taskId, model: this.model, ...this.dep, attempt: n });
      }
      this.#n = n;
      this.#start = this.#startedAt = start;
      this.#release = release;
      this.#slowMs = guard.slowMs;
      this.#limit = guard.limit;
      this.#probing = undefined;
      this.#token = monitor?.startCall(key, start, guard.limit?.ms);
    } catch (error) {
      return this.#early(n, error);
    }
    try {
      // Judged inside the breaker's execute, so a rejected answer counts against the model only when you ask (its classification says).
      const judged = call.conditions?.result !== undefined;
      const sharedCheck = deps.sharedCheck;
      // A closed breaker counts the start now and the end in this try's handlers (decision 0045); the attempt hands
      // its outcome to them itself, so its promise is the outcome's (no promise of the try's own in between).
      if ((this.#counter = sharedCheck ? undefined : breaker?.enter(start))) return judged ? judging(this, this.#run, n)().then(this.#ok, this.#fail) : this.#runWith(this);
      const invoke = judged ? judging(this, this.#run, n) : this.#run;
      const value = sharedCheck
        ? sharedCheck(key).then((p) => {
            this.#probing = p;
            this.#startedAt = undefined;
            return breaker ? breaker.execute(invoke, this.neutral, call.signal) : invoke();
          })
        : breaker
          ? breaker.execute(invoke, this.neutral, call.signal, start)
          : invoke();
      return value.then(this.#ok, this.#fail);
    } catch (error) {
      try {
        return Promise.resolve(this.#fail(error));
      } catch (thrown) {
        return Promise.reject(thrown);
      }
    }
  }

  #runBound: (() => Promise<T>) | undefined;
  /** The attempt the breaker runs: `fn` with the attempt under way's number, limit and start (bound on first need). */
  get #run(): () => Promise<T> {
    return (this.#runBound ??= () => this.#runWith(undefined));
  }

  #runWith(sink: AttemptSink | undefined): Promise<T> {
    const deps = this.deps;
    return runAttempt(this.fn, this.to, this.#n, this.call, deps.clock, deps.disposeSignal, deps.onDispose, deps.deadlines, this, this.#limit, this.firstChunkMs, this.#startedAt, sink);
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

  readonly #ok = (value: T): unknown => {
    // The breaker counted the attempt's start (decision 0045): it counts the end, then this handler goes on.
    if (this.#counter) return this.breaker!.succeeded(this.#counted(), value, this.#ok, this.#fail);
    if (this.#n !== 1) return this.#succeeded(value);
    let ok: T;
    try {
      ok = this.#succeeded(value);
    } catch (error) {
      return this.afterFirst(error);
    }
    return this.#judged(finishTry(this, ok));
  };

  readonly #fail = (error: unknown): unknown => {
    if (this.#counter) return this.breaker!.failed(this.#counted(), error, this.neutral, this.#fail);
    if (this.#n !== 1) return this.#failed(error);
    try {
      return this.#failed(error);
    } catch (thrown) {
      return this.afterFirst(thrown);
    }
  };

  #counted(): Counter {
    const counter = this.#counter!;
    this.#counter = undefined;
    return counter;
  }

  /** What a successful attempt records: retry budget, shared probe, slow calls, monitor, `success` event. */
  #succeeded(value: T): T {
    const { deps, key } = this;
    try {
      const now = deps.clock.now();
      const latencyMs = now - this.#start;
      this.endedAt = now;
      deps.retryBudget?.recordSuccess(key, now);
      if (this.#probing) deps.probeEnded(key, this.#probing, true);
      this.breaker?.noteDuration(latencyMs, this.#slowMs, now);
      deps.monitor?.recordAttempt(key, 'success', latencyMs, now);
      const bus = deps.bus;
      if (bus.wants('success')) {
        if (this.plain) bus.emitBuilt('success', { timestamp: now, model: this.model, attempt: this.#n, latencyMs });
        else bus.emit('success', { timestamp: now, taskId: this.call.taskId, model: this.model, ...this.dep, attempt: this.#n, latencyMs });
      }
    } catch (error) {
      return this.#failed(error);
    }
    this.#ended();
    return value;
  }

  #failed(error: unknown): never {
    try {
      attemptFailed(this, error, this.#n, this.#start, this.#slowMs, this.#probing);
    } finally {
      this.#ended();
    }
    throw error;
  }

  /** The attempt's end: the monitor's count and the admission slot. */
  #ended(): void {
    if (this.#token !== undefined) this.deps.monitor!.endCall(this.#token);
    this.#release?.();
  }
}
