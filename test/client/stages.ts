/**
 * Drives one call into each stage of the pipeline, so the abort and dispose
 * matrices can stop it there: before start, waiting in the limiter, waiting on
 * the budget store's reserve, inside the attempt, in a backoff sleep, while a
 * stream is primed, and after a stream was committed to the caller.
 */
import { getEventListeners } from 'node:events';
import { ResilientClient, type ResilienceEvents, type RunOptions } from '../../src/index.js';
import { type Amount, type BudgetStore, MemoryBudgetStore, type StoreLimit } from '../../src/budget/store.js';
import { type FakeClock, FakeAPIError, createFakeClock } from '../../src/testing/index.js';
import { type ScriptedIterator, drain, scriptedIterable } from '../stream/scripted.js';

export const STAGES = [
  'before start',
  'limiter wait',
  'budget reserve',
  'attempt (fn ignores its signal)',
  'attempt (fn rejects with its own abort error)',
  'backoff sleep',
  'stream priming',
  'after commit',
] as const;
export type Stage = (typeof STAGES)[number];

/** Invocations of the call's function by the time it settled: stopping it never adds one. */
export const CALLS: Readonly<Record<Stage, number>> = {
  'before start': 0,
  'limiter wait': 0,
  'budget reserve': 0,
  'attempt (fn ignores its signal)': 1,
  'attempt (fn rejects with its own abort error)': 1,
  'backoff sleep': 1,
  'stream priming': 1,
  'after commit': 1,
};

/** Real zero-delay hops: bottleneck hands out slots on real timers (decision 0001). */
export const hops = async (n = 10) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setTimeout(r, 1));
};

/** A budget store whose `reserve` can be held at a gate, like a slow remote store. */
export class GatedStore implements BudgetStore {
  readonly inner = new MemoryBudgetStore();
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;
  reserves = 0;
  hold(): void {
    this.#gate = new Promise((r) => (this.#open = r));
  }
  open(): void {
    this.#open?.();
    this.#gate = undefined;
  }
  get = (key: string) => this.inner.get(key);
  async reserve(key: string, amount: Amount, limit?: StoreLimit) {
    this.reserves++;
    if (this.#gate) await this.#gate;
    return this.inner.reserve(key, amount, limit);
  }
  settle = (key: string, reserved: Amount, used: Amount) => this.inner.settle(key, reserved, used);
  release = (key: string, reserved: Amount) => this.inner.release(key, reserved);
}

const text = (t: string) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } });
const USAGE = { input_tokens: 3, output_tokens: 4 };

export interface Settled {
  done: boolean;
  value?: unknown;
  error?: unknown;
}

export interface StagedCall {
  readonly clock: FakeClock;
  readonly client: ResilientClient;
  readonly store: GatedStore;
  /** Invocations of the call's own function. */
  readonly calls: () => number;
  readonly failures: ResilienceEvents['failure'][];
  readonly retries: ResilienceEvents['retry'][];
  /** The run's outcome so far. */
  readonly settled: Settled;
  /** Starts the call (before start: call it after the stop). */
  start(): void;
  /** Brings the started call into its stage. */
  reach(): Promise<void>;
  /** Opens every gate, lets all time pass and drains a committed stream; returns that drain. */
  finish(): Promise<{ chunks: unknown[]; error: unknown } | undefined>;
  /** Caller-signal listeners we left (0 expected once settled). */
  readonly signalListeners: () => number;
}

export interface StageOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly breaker?: false;
  /** No budget: nothing but attempts and backoff waits can hold the call. */
  readonly budget?: false | 'memory';
}

/**
 * One client per test: a budget on a gated store, the monitor (default), a
 * breaker that opens on the second counted failure, retries after 1 s.
 */
export function stagedCall(stage: Stage, o: StageOptions = {}): StagedCall {
  const clock = createFakeClock();
  const store = new GatedStore();
  const client = new ResilientClient({
    models: ['primary', 'secondary'],
    clock,
    random: () => 0.5,
    timeoutMs: o.timeoutMs,
    // Retries on the same model (not a failover to the next one), never throttled by the retry budget.
    retry: { maxRetries: 2, initialDelayMs: 1_000, jitter: 'none', preferFallback: false, budget: false },
    breaker: o.breaker === false ? false : { volumeThreshold: 2, errorThresholdPercentage: 50 },
    ...(o.budget === false ? {} : { budget: { day: { maxTokens: 1_000_000 }, ...(o.budget === 'memory' ? {} : { store }) } }),
    ...(stage === 'limiter wait' ? { limits: { models: { primary: { maxConcurrent: 1 } } } } : {}),
  });
  const failures: ResilienceEvents['failure'][] = [];
  const retries: ResilienceEvents['retry'][] = [];
  client.on('failure', (e) => failures.push(e));
  client.on('retry', (e) => retries.push(e));

  let calls = 0;
  let stream: ScriptedIterator | undefined;
  let releaseBlocker: (() => void) | undefined;
  const settled: Settled = { done: false };

  const fn = async (ctx: { signal: AbortSignal; model: string }): Promise<unknown> => {
    calls++;
    switch (stage) {
      case 'attempt (fn ignores its signal)':
        return new Promise(() => {});
      case 'attempt (fn rejects with its own abort error)':
        return new Promise((_, reject) => {
          // What the SDKs throw when the signal they were given aborts.
          const own = Object.assign(new Error('Request was aborted.'), { name: 'APIUserAbortError' });
          ctx.signal.addEventListener('abort', () => reject(own), { once: true });
        });
      case 'backoff sleep':
        if (calls === 1) throw new FakeAPIError(503, '503 Service unavailable', { type: 'api_error' });
        return { model: ctx.model, usage: USAGE };
      case 'stream priming': {
        const s = scriptedIterable();
        stream = s.it;
        s.it.push({ type: 'message_start', message: { usage: { input_tokens: 3 } } });
        return s.iterable;
      }
      case 'after commit': {
        const s = scriptedIterable();
        stream = s.it;
        s.it.push({ type: 'message_start', message: { usage: { input_tokens: 3 } } }, text('Hello'));
        return s.iterable;
      }
      default:
        return { model: ctx.model, usage: USAGE };
    }
  };

  // In the limiter stage the call stays on `primary`: with a later model it would spill there instead of waiting.
  const only = stage === 'limiter wait' ? { models: ['primary'] } : {};
  const options: RunOptions = { ...(o.signal ? { signal: o.signal } : {}), estimate: { inputTokens: 10, outputTokens: 10 }, ...only };
  let committed: AsyncIterable<unknown> | undefined;
  let firstRead: Promise<IteratorResult<unknown>> | undefined;

  return {
    clock,
    client,
    store,
    calls: () => calls,
    failures,
    retries,
    settled,
    start() {
      client.run(fn, options).then(
        (value) => Object.assign(settled, { done: true, value }),
        (error: unknown) => Object.assign(settled, { done: true, error }),
      );
    },
    async reach() {
      if (stage === 'limiter wait') {
        // Another call holds the only slot of `primary`.
        void client
          .run(() => new Promise<{ usage: typeof USAGE }>((r) => (releaseBlocker = () => r({ usage: USAGE }))), { estimate: { inputTokens: 1, outputTokens: 1 }, ...only })
          .catch(() => {});
        await hops();
      }
      if (stage === 'budget reserve') store.hold();
      this.start();
      if (stage === 'limiter wait') await hops();
      await clock.flush();
      if (stage === 'backoff sleep') await clock.advance(500);
      if (stage === 'after commit') {
        committed = settled.value as AsyncIterable<unknown>;
        const it = committed[Symbol.asyncIterator]();
        await it.next(); // 'message_start'
        await it.next(); // 'Hello'
        firstRead = it.next(); // waits for a chunk that never comes
        committed = { [Symbol.asyncIterator]: () => it };
        await clock.flush();
      }
    },
    async finish() {
      store.open();
      releaseBlocker?.();
      if (stage === 'limiter wait') await hops();
      await clock.advance(60_000);
      await clock.flush();
      if (stage === 'limiter wait') await hops();
      if (!committed) return undefined;
      const first = await firstRead!.then(
        (r) => ({ chunks: r.done ? [] : [r.value], error: undefined as unknown }),
        (error: unknown) => ({ chunks: [] as unknown[], error }),
      );
      const rest = await drain(committed);
      void stream;
      return { chunks: [...first.chunks, ...rest.chunks], error: first.error ?? rest.error };
    },
    signalListeners: () => (o.signal ? getEventListeners(o.signal, 'abort').length : 0),
  };
}

/** Attempts the monitor counted as failures (errors, timeouts, rate limits) for `model`. */
export function countedFailures(client: ResilientClient, model = 'primary'): number {
  const m = client.snapshot().monitor?.models.find((x) => x.model === model);
  // The longest window: finish() moves the clock past the shorter ones.
  const w = m?.windows.reduce((a, b) => (b.windowMs > a.windowMs ? b : a));
  return w ? w.errors + w.timeouts + w.rateLimited : 0;
}
