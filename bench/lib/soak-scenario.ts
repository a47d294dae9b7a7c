import type { Clock } from '../../src/clock/clock.js';
import { MemoryBudgetStore, ResilientClient, isAllModelsFailedError, isBudgetExceededError, isStreamInterruptedError, type Amount, type ResilientClientOptions, type StoreLimit, type StoreReserveResult, type Totals } from '../../src/index.js';
import type { FakeClock } from '../../src/testing/index.js';
import { FakeAPIError } from '../../src/testing/index.js';
import { createChaosProvider, type Fault } from './chaos-provider.js';
import { between, createPrng } from './prng.js';

/** The reason a soak call's own AbortController aborts with. */
export class CallerAbort extends Error {
  constructor() {
    super('caller aborted');
    this.name = 'CallerAbort';
  }
}

/**
 * The only ways a call may end besides resolving. Anything else is an
 * "untyped" rejection and fails the soak.
 */
export const ALLOWED_REJECTIONS = [
  'AllModelsFailedError', // every model in the chain failed; causes in `failures`
  'provider 400', // a bad request is not worth another model: the provider's error, untouched
  'CallerAbort', // the caller's own abort reason, untouched
  'BudgetExceededError', // the day budget (action 'reject') is full: refused before any request
  'StreamInterruptedError', // a stream failed after its first chunk reached the caller (not retried)
] as const;

/**
 * The in-memory budget store, checking after every operation that a day key's
 * settled usage plus open reservations never passes the hard limit.
 */
export class CheckedBudgetStore extends MemoryBudgetStore {
  /** Largest `used + reserved − limit` seen on a day key, in tokens (0 = never over). */
  maxOvershoot = 0;
  operations = 0;
  readonly #limit: number;
  constructor(limitTokens: number) {
    super();
    this.#limit = limitTokens;
  }
  #check(key: string, t: Totals): void {
    this.operations++;
    if (!key.startsWith('day:')) return;
    const over = t.used.tokens + t.reserved.tokens - this.#limit;
    if (over > this.maxOvershoot) this.maxOvershoot = over;
  }
  override async reserve(key: string, amount: Amount, limit?: StoreLimit): Promise<StoreReserveResult> {
    const r = await super.reserve(key, amount, limit);
    this.#check(key, r.totals);
    return r;
  }
  override async settle(key: string, reserved: Amount, used: Amount): Promise<Totals> {
    const t = await super.settle(key, reserved, used);
    this.#check(key, t);
    return t;
  }
}

function rejectionType(error: unknown): string {
  if (isAllModelsFailedError(error)) return 'AllModelsFailedError';
  if (error instanceof FakeAPIError && error.status === 400) return 'provider 400';
  if (error instanceof CallerAbort) return 'CallerAbort';
  if (isBudgetExceededError(error)) return 'BudgetExceededError';
  if (isStreamInterruptedError(error)) return 'StreamInterruptedError';
  return `untyped ${(error as { name?: unknown })?.name ?? typeof error}`;
}

export interface SoakConfig {
  readonly calls: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly clock: Clock;
  /** 1 on the fake clock; e.g. 0.01 on the system clock so the run is short. */
  readonly scale: number;
  /** Moves time until `done()` (fake clock), or waits for it (system clock). */
  readonly drive: (done: () => boolean) => Promise<void>;
  readonly models?: readonly string[];
  /** Fraction of calls whose caller aborts them at a random moment. @default 0.01 */
  readonly callerAbortRate?: number;
  /** Extra client options (limits…). */
  readonly extraOptions?: Readonly<Record<string, unknown>>;
  /**
   * A day budget in tokens (action `reject`), enforced through a store that
   * checks the hard limit after every operation. Sized so it runs out mid-run.
   */
  readonly budgetTokens?: number;
  /** Called when this many calls have settled (heap checkpoints). */
  readonly checkpoints?: readonly number[];
  readonly onCheckpoint?: (settled: number) => void;
  /** Dispose the client at the end (the child-process run leaves it alive on purpose). @default true */
  readonly dispose?: boolean;
}

export interface SoakReport {
  readonly calls: number;
  readonly started: number;
  readonly settled: number;
  readonly lost: number;
  readonly resolved: number;
  readonly rejections: Readonly<Record<string, number>>;
  readonly untyped: number;
  readonly faultsInjected: number;
  readonly faults: Readonly<Record<Fault, number>>;
  readonly invocations: number;
  readonly events: { readonly attempt: number; readonly success: number; readonly failure: number; readonly circuitOpen: number; readonly retry: number; readonly fallback: number; readonly exhausted: number; readonly breakerOpen: number };
  /** Fallback events whose `from` model had no failure event in the same call. */
  readonly orphanFallbacks: number;
  /** Calls that resolved although no success event was seen for them. */
  readonly resolvedWithoutSuccess: number;
  readonly listenersAfterDispose: number | undefined;
  readonly simulatedMs: number;
  /** With `budgetTokens`: the largest overshoot of the day limit seen (must be 0), and store operations checked. */
  readonly budget?: { readonly overshoot: number; readonly operations: number; readonly refused: number };
}

export const SOAK_MODELS = ['m0', 'm1', 'm2', 'm3', 'm4'] as const;

/**
 * 100,000 calls (or fewer) at a fixed concurrency through one client, each
 * against a 3-model chain starting at a random model, on a chaos provider.
 * Everything random comes from one seed.
 */
export async function runSoak(c: SoakConfig): Promise<SoakReport> {
  const random = createPrng(c.seed);
  const models = c.models ?? SOAK_MODELS;
  const provider = createChaosProvider({ clock: c.clock, random: createPrng(c.seed ^ 0x9e3779b9), scale: c.scale, sick: new Set([models.at(-1)!]) });
  const s = (ms: number) => Math.max(1, Math.round(ms * c.scale));
  const budgetStore = c.budgetTokens !== undefined ? new CheckedBudgetStore(c.budgetTokens) : undefined;
  const client = new ResilientClient({
    models,
    clock: c.clock,
    random,
    timeoutMs: s(10_000),
    retry: { maxRetries: 2, initialDelayMs: s(200), maxDelayMs: s(5_000), maxRetryAfterMs: s(60_000) },
    breaker: { rollingWindowMs: s(10_000), resetTimeoutMs: s(30_000) },
    stream: { stallTimeoutMs: s(5_000) },
    ...(budgetStore ? { budget: { day: { maxTokens: c.budgetTokens! }, store: budgetStore } } : {}),
    ...c.extraOptions,
  } as ResilientClientOptions);

  const ev = { attempt: 0, success: 0, failure: 0, circuitOpen: 0, retry: 0, fallback: 0, exhausted: 0, breakerOpen: 0 };
  // Per in-flight call: models that failed, and whether a success was seen. Deleted on settle.
  const live = new Map<string, { failed: Set<string>; succeeded: boolean }>();
  let orphanFallbacks = 0;
  client.on('attempt', () => void ev.attempt++);
  client.on('success', (e) => {
    ev.success++;
    const call = live.get(e.taskId!);
    if (call) call.succeeded = true;
  });
  client.on('failure', (e) => {
    ev.failure++;
    if (e.kind === 'circuit_open') ev.circuitOpen++;
    live.get(e.taskId!)?.failed.add(e.model);
  });
  client.on('retry', () => void ev.retry++);
  client.on('fallback', (e) => {
    ev.fallback++;
    // Admission refusals (a spill, reason rate_limit; a full wait queue, queue_full) leave a
    // model without sending it anything, so without a failure event.
    if (e.reason !== 'rate_limit' && e.reason !== 'queue_full' && !live.get(e.taskId!)?.failed.has(e.from)) orphanFallbacks++;
  });
  client.on('exhausted', () => void ev.exhausted++);
  client.on('breaker:open', () => void ev.breakerOpen++);

  const rejections: Record<string, number> = {};
  let started = 0;
  let settled = 0;
  let resolved = 0;
  let resolvedWithoutSuccess = 0;
  const checkpoints = new Set(c.checkpoints ?? []);
  const abortRate = c.callerAbortRate ?? 0.01;
  const t0 = c.clock.now();

  const one = async (i: number): Promise<void> => {
    const taskId = `t${i}`;
    const first = between(random, 0, models.length - 1);
    const chain = [0, 1, 2].map((k) => models[(first + k) % models.length]!);
    const state = { failed: new Set<string>(), succeeded: false };
    live.set(taskId, state);
    let abortTimer: ReturnType<Clock['setTimeout']> | undefined;
    let signal: AbortSignal | undefined;
    if (random() < abortRate) {
      const ac = new AbortController();
      signal = ac.signal;
      abortTimer = c.clock.setTimeout(() => ac.abort(new CallerAbort()), s(between(random, 0, 3_000)));
    }
    started++;
    try {
      const value = await client.run(provider.call, { models: chain, taskId, ...(signal ? { signal } : {}) });
      // A stream is only done when read to its end: a failure after its first chunk rejects here.
      if (typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
        for await (const chunk of value as AsyncIterable<unknown>) void chunk;
      }
      resolved++;
      if (!state.succeeded) resolvedWithoutSuccess++;
    } catch (error) {
      const type = rejectionType(error);
      rejections[type] = (rejections[type] ?? 0) + 1;
    } finally {
      if (abortTimer !== undefined) c.clock.clearTimeout(abortTimer);
      live.delete(taskId);
      settled++;
      if (checkpoints.has(settled)) c.onCheckpoint?.(settled);
    }
  };

  let next = 0;
  let workersDone = 0;
  const worker = async () => {
    while (next < c.calls) await one(next++);
    workersDone++;
  };
  const concurrency = Math.min(c.concurrency, c.calls);
  for (let w = 0; w < concurrency; w++) void worker();
  await c.drive(() => workersDone === concurrency);

  const simulatedMs = c.clock.now() - t0;
  let listenersAfterDispose: number | undefined;
  if (c.dispose !== false) {
    client.dispose();
    listenersAfterDispose = client.listenerCount();
  }
  const untyped = Object.entries(rejections).filter(([k]) => k.startsWith('untyped')).reduce((n, [, v]) => n + v, 0);
  return {
    calls: c.calls,
    started,
    settled,
    lost: c.calls - settled,
    resolved,
    rejections,
    untyped,
    faultsInjected: Object.entries(provider.injected).reduce((n, [k, v]) => (k === 'ok' ? n : n + v), 0),
    faults: { ...provider.injected },
    invocations: provider.invocations(),
    events: ev,
    orphanFallbacks,
    resolvedWithoutSuccess,
    listenersAfterDispose,
    simulatedMs,
    ...(budgetStore ? { budget: { overshoot: budgetStore.maxOvershoot, operations: budgetStore.operations, refused: rejections.BudgetExceededError ?? 0 } } : {}),
  };
}

/**
 * Drives a fake clock until `done()`: fire the next timer, or, when none is
 * left, let promise chains settle once more. If nothing is pending and the
 * calls are still not done, some call can never settle: stop and let the
 * report count it as lost. `maxSimulatedMs` guards against a livelock.
 */
export function fakeDriver(clock: FakeClock, maxSimulatedMs = 7 * 24 * 3_600_000): (done: () => boolean) => Promise<void> {
  return async (done) => {
    const limit = clock.now() + maxSimulatedMs;
    while (!done() && clock.now() < limit) {
      if (!(await clock.next())) {
        await clock.flush();
        if (!done() && clock.pending() === 0) return;
      }
    }
  };
}

/** Summary checks shared by the soak script and the soak test: each entry is a broken invariant. */
export function soakViolations(r: SoakReport): string[] {
  const v: string[] = [];
  if (r.lost !== 0) v.push(`${r.lost} call(s) never settled`);
  if (r.untyped !== 0) v.push(`${r.untyped} untyped rejection(s): ${JSON.stringify(r.rejections)}`);
  if (r.events.attempt !== r.events.success + r.events.failure) v.push(`attempt events ${r.events.attempt} ≠ success ${r.events.success} + failure ${r.events.failure}`);
  if (r.invocations !== r.events.attempt - r.events.circuitOpen) v.push(`provider invocations ${r.invocations} ≠ attempts ${r.events.attempt} − breaker refusals ${r.events.circuitOpen}`);
  if (r.orphanFallbacks !== 0) v.push(`${r.orphanFallbacks} fallback event(s) from a model without a failure`);
  if (r.resolvedWithoutSuccess !== 0) v.push(`${r.resolvedWithoutSuccess} call(s) resolved without a success event`);
  if (r.listenersAfterDispose !== undefined && r.listenersAfterDispose !== 0) v.push(`${r.listenersAfterDispose} listener(s) left after dispose()`);
  if (r.budget && r.budget.overshoot !== 0) v.push(`day budget overshot by ${r.budget.overshoot} token(s)`);
  return v;
}
