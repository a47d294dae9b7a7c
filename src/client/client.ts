import { ModelBreaker } from '../breaker/breaker.js';
import { classifyError, type Classification } from '../classify/classify.js';
import { type Clock, type RandomSource, sleep, systemClock, systemRandom } from '../clock/clock.js';
import { AllModelsFailedError, ConfigError, DisposedError, type ModelFailure, isCircuitOpenError } from '../errors/errors.js';
import { type BreakerState, EventBus, type Listener, type ResilienceEventName, type Unsubscribe } from '../events/events.js';
import { runChain } from '../fallback/chain.js';
import { type ResolvedBreaker, type ResolvedRetry, type ResilientClientOptions } from '../options/options.js';
import { resolveClientOptions } from '../options/resolve.js';
import { decideRetry } from '../retry/backoff.js';
import { runWithRetry } from '../retry/retry.js';
import { type CallState, runAttempt } from './attempt.js';
import type { AttemptFn, Outcome, RunOptions } from './types.js';

function reportListenerError(error: unknown, event: string): void {
  const warn = (globalThis as { process?: { emitWarning?: (w: string | Error, o?: object) => void } }).process?.emitWarning;
  warn?.(error instanceof Error ? error : String(error), { type: 'LlmResilienceListenerError', detail: `a listener of "${event}" threw` });
}

/**
 * Per-call options are checked by hand, not with zod: this runs on every call.
 * Same message format as construction-time validation.
 */
function checkRunOptions(o: RunOptions): void {
  const issues: { path: string; message: string }[] = [];
  if (o.models !== undefined && (!Array.isArray(o.models) || o.models.length === 0 || o.models.some((m) => typeof m !== 'string' || m === ''))) {
    issues.push({ path: 'run.models', message: 'expected a non-empty array of model names' });
  }
  if (o.timeoutMs !== undefined && !(typeof o.timeoutMs === 'number' && o.timeoutMs > 0 && Number.isFinite(o.timeoutMs))) {
    issues.push({ path: 'run.timeoutMs', message: `expected a positive number of milliseconds, received ${String(o.timeoutMs)}` });
  }
  if (o.taskId !== undefined && typeof o.taskId !== 'string') issues.push({ path: 'run.taskId', message: 'expected a string' });
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) issues.push({ path: 'run.signal', message: 'expected an AbortSignal' });
  if (issues.length) throw new ConfigError(issues);
}

/** Per model-try state: the classification of the last failure, computed once. */
interface TryState {
  error: unknown;
  cls: Classification | undefined;
}

/**
 * Wraps the model calls you already make with a circuit breaker per model,
 * 429-aware retry, a fallback chain and typed events.
 *
 * @example
 * const client = new ResilientClient({ models: ['claude-sonnet-4-5', 'gpt-4.1'] });
 * const msg = await client.run(({ model, signal }) =>
 *   anthropic.messages.create({ model, max_tokens: 1024, messages }, { signal }));
 */
export class ResilientClient {
  readonly models: readonly string[];
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #retry: ResolvedRetry | undefined;
  readonly #breakerOptions: ResolvedBreaker | undefined;
  readonly #timeoutMs: number | undefined;
  readonly #bus: EventBus;
  readonly #breakers = new Map<string, ModelBreaker>();
  readonly #dispose = new AbortController();

  constructor(options: ResilientClientOptions) {
    const o = resolveClientOptions(options);
    this.models = o.models;
    this.#clock = o.clock ?? systemClock;
    this.#random = o.random ?? systemRandom;
    this.#retry = o.retry;
    this.#breakerOptions = o.breaker;
    this.#timeoutMs = o.timeoutMs;
    this.#bus = new EventBus(o.onListenerError ?? reportListenerError);
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<K extends ResilienceEventName>(event: K, listener: Listener<K>): Unsubscribe {
    return this.#bus.on(event, listener);
  }
  once<K extends ResilienceEventName>(event: K, listener: Listener<K>): Unsubscribe {
    return this.#bus.once(event, listener);
  }
  off<K extends ResilienceEventName>(event: K, listener: Listener<K>): void {
    this.#bus.off(event, listener);
  }
  /** Number of listeners, for one event or all. */
  listenerCount(event?: ResilienceEventName): number {
    return this.#bus.listenerCount(event);
  }

  /** The breaker state of `model` as of now on the clock. */
  breakerState(model: string): BreakerState {
    return this.#breakers.get(model)?.state(this.#clock.now()) ?? 'closed';
  }

  /**
   * Runs `fn` against the chain: each model with retries behind its breaker,
   * moving to the next model when one is exhausted, open, or asks for a wait
   * above the cap. Resolves with exactly what `fn` resolved.
   *
   * Rejects with the provider's own error when it is not worth another model
   * (a 400, the caller's abort), or with {@link AllModelsFailedError} carrying
   * every model's cause.
   */
  async run<T>(fn: AttemptFn<T>, options?: RunOptions): Promise<T> {
    if (this.#dispose.signal.aborted) throw new DisposedError();
    if (options !== undefined) checkRunOptions(options);
    const models = options?.models ?? this.models;
    const call: CallState = {
      taskId: options?.taskId,
      signal: options?.signal,
      timeoutMs: options?.timeoutMs ?? this.#timeoutMs,
    };
    const result = await runChain(models, (model) => this.#tryModel(fn, model, call), {
      onFallback: (from, to, reason) => {
        if (this.#bus.wants('fallback')) this.#bus.emit('fallback', { timestamp: this.#clock.now(), taskId: call.taskId, from, to, reason });
      },
      beforeModel: () => {
        call.signal?.throwIfAborted();
        if (this.#dispose.signal.aborted) throw new DisposedError();
      },
    });
    if (result.ok) return result.value;
    if (result.failures) throw this.#exhausted(result.failures, call);
    throw result.error;
  }

  #exhausted(failures: readonly ModelFailure[], call: CallState): AllModelsFailedError {
    if (this.#bus.wants('exhausted')) {
      this.#bus.emit('exhausted', {
        timestamp: this.#clock.now(),
        taskId: call.taskId,
        failures: failures.map((f) => Object.freeze({ model: f.model, reason: f.reason })),
      });
    }
    let retryAfterMs: number | undefined;
    for (const f of failures) {
      const ms = isCircuitOpenError(f.error) ? f.error.retryAfterMs : classifyError(f.error, this.#clock.now()).retryAfterMs;
      if (ms !== undefined && (retryAfterMs === undefined || ms < retryAfterMs)) retryAfterMs = ms;
    }
    return new AllModelsFailedError(failures, retryAfterMs);
  }

  #breakerFor(model: string): ModelBreaker | undefined {
    const opts = this.#breakerOptions;
    if (!opts) return undefined;
    let b = this.#breakers.get(model);
    if (!b) {
      // Created on first use: a configured model that is never called costs nothing.
      b = new ModelBreaker(model, opts, this.#clock, {
        onTransition: (m, state, retryAfterMs) => this.#onBreaker(m, state, retryAfterMs),
      });
      this.#breakers.set(model, b);
    }
    return b;
  }

  #onBreaker(model: string, state: BreakerState, retryAfterMs?: number): void {
    const name = state === 'open' ? 'breaker:open' : state === 'half-open' ? 'breaker:half-open' : 'breaker:close';
    if (!this.#bus.wants(name)) return;
    this.#bus.emit(name, { timestamp: this.#clock.now(), model, state, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }

  #classify(state: TryState, error: unknown): Classification {
    if (state.error === error && state.cls) return state.cls;
    const cls = classifyError(error, this.#clock.now());
    state.error = error;
    state.cls = cls;
    return cls;
  }

  async #tryModel<T>(fn: AttemptFn<T>, model: string, call: CallState): Promise<Outcome<T>> {
    const state: TryState = { error: undefined, cls: undefined };
    const breaker = this.#breakerFor(model);
    const neutral = (error: unknown) => !this.#classify(state, error).countsAsFailure;
    const bus = this.#bus;
    const clock = this.#clock;

    const attempt = async (n: number): Promise<T> => {
      const start = clock.now();
      if (bus.wants('attempt')) bus.emit('attempt', { timestamp: start, taskId: call.taskId, model, attempt: n });
      try {
        const invoke = () => runAttempt(fn, model, n, call, clock, this.#dispose.signal);
        const value = breaker ? await breaker.execute(invoke, neutral) : await invoke();
        if (bus.wants('success')) {
          const now = clock.now();
          bus.emit('success', { timestamp: now, taskId: call.taskId, model, attempt: n, latencyMs: now - start });
        }
        return value;
      } catch (error) {
        if (bus.wants('failure')) {
          const cls = this.#classify(state, error);
          const now = clock.now();
          bus.emit('failure', {
            timestamp: now,
            taskId: call.taskId,
            model,
            attempt: n,
            latencyMs: now - start,
            kind: cls.kind,
            retryable: cls.retryable,
            ...(cls.status !== undefined ? { status: cls.status } : {}),
            ...(cls.retryAfterMs !== undefined ? { retryAfterMs: cls.retryAfterMs } : {}),
          });
        }
        throw error;
      }
    };

    const retry = this.#retry;
    try {
      const value = retry
        ? await runWithRetry(
            {
              attempt,
              onFailure: async (error, n) => {
                const cls = this.#classify(state, error);
                const decision = decideRetry(cls, n - 1, retry, this.#random);
                if (!decision.retry) return false;
                if (bus.wants('retry')) {
                  bus.emit('retry', {
                    timestamp: clock.now(),
                    taskId: call.taskId,
                    model,
                    attempt: n,
                    delayMs: decision.delayMs,
                    reason: cls.kind,
                    ...(cls.retryAfterMs !== undefined ? { retryAfterMs: cls.retryAfterMs } : {}),
                  });
                }
                await sleep(clock, decision.delayMs, this.#sleepSignal(call), true);
                return true;
              },
            },
            retry.maxRetries,
          )
        : await attempt(1);
      return { ok: true, value };
    } catch (error) {
      const cls = this.#classify(state, error);
      const tooLong = retry && cls.retryable && cls.retryAfterMs !== undefined && cls.retryAfterMs > retry.maxRetryAfterMs;
      return { ok: false, error, kind: tooLong ? 'retry_after_too_long' : cls.kind };
    }
  }

  /** Backoff sleeps end early on the caller's abort or on dispose. */
  #sleepSignal(call: CallState): AbortSignal {
    return call.signal ? AbortSignal.any([call.signal, this.#dispose.signal]) : this.#dispose.signal;
  }

  /**
   * Stops everything: pending backoff sleeps reject with {@link DisposedError},
   * the signal handed to in-flight attempts aborts, breakers are shut down and
   * listeners removed. New calls are refused. Safe to call twice.
   */
  dispose(): void {
    if (this.#dispose.signal.aborted) return;
    this.#dispose.abort(new DisposedError());
    for (const b of this.#breakers.values()) b.dispose();
    this.#breakers.clear();
    this.#bus.clear();
  }
}
