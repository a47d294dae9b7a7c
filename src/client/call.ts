import type { BudgetManager } from '../budget/manager.js';
import type { Clock } from '../clock/clock.js';
import { DisposedError } from '../errors/errors.js';
import type { EventBus } from '../events/events.js';
import { type ChainHooks, type ChainResult, runChain } from '../fallback/chain.js';
import type { Outcome } from '../fallback/outcome.js';
import { servedBy } from '../fallback/providers.js';
import type { ContentPolicy, FitState } from '../fallback/content.js';
import { contentChain } from '../fallback/content-chain.js';
import { type Conditions, mergeConditions } from '../fallback/conditions.js';
import type { ResolvedHedge } from '../fallback/hedge-options.js';
import type { HedgeBudget } from '../fallback/hedge.js';
import { hedgeFor, runHedgedCall } from '../fallback/hedge-call.js';
import type { Monitor } from '../monitor/monitor.js';
import type { Limiter } from '../limits/limiter.js';
import type { ResolvedDeployment } from '../deployments/resolve.js';
import type { CallState } from './attempt.js';
import type { ResilienceEvents } from './events-map.js';
import type { PipelineDeps } from './deps.js';
import { tryDeployments } from './deployments.js';
import type { ModelStates } from './model-state.js';
import { tryModel } from './pipeline.js';
import type { TryJudge } from './try-success.js';
import { exhausted } from './exhausted.js';
import { callEstimate, checkedUsage, fitStateOf } from './support.js';
import type { Patience } from './patience.js';
import type { AttemptFn, RunOptions } from './types.js';

type FallbackReason = Parameters<ChainHooks['onFallback']>[2];
type ContentChain<T> = ReturnType<typeof contentChain<T>>;

/** What one call through the chain reads of its client, built once at construction. */
export interface CallDeps {
  readonly models: readonly string[];
  readonly clock: Clock;
  readonly bus: EventBus<ResilienceEvents>;
  /** The client's dispose signal: no model starts after it aborts. */
  readonly stop: AbortSignal;
  readonly timeoutMs: number | undefined;
  readonly monitor: Monitor | undefined;
  readonly budget: BudgetManager | undefined;
  readonly limiter: Limiter;
  readonly deps: PipelineDeps;
  readonly providers: ReadonlyMap<string, string>;
  readonly deployments: ReadonlyMap<string, readonly ResolvedDeployment[]>;
  readonly content: ContentPolicy;
  readonly hedge: ResolvedHedge | undefined;
  readonly conditions: Conditions | undefined;
  readonly hedgeBudget: HedgeBudget;
  /** Breakers, headers and kept models, per model and per deployment. */
  readonly states: ModelStates;
  readonly onHeaders: (key: string, headers: unknown, taskId: string | undefined) => void;
  /** The callers' patience learned from their aborts; undefined with `limits.learnPatience: false`. */
  readonly patience: Patience | undefined;
}

/** A call's start plus the callers' learned patience, when there is one. */
function learnedDeadline(patience: Patience, now: number): number | undefined {
  const ms = patience.ms(now);
  return ms === undefined ? undefined : now + ms;
}

/**
 * One call through the chain: the call's state, then each model in turn (or
 * hedged), content fallback after them; resolves with what `fn` resolved or
 * throws the call's error (an exhausted chain emits `exhausted`).
 */
export function runCall<T>(c: CallDeps, fn: AttemptFn<T>, options: RunOptions | undefined): Promise<T> {
  try {
    return startCall(c, fn, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * {@link runCall}'s synchronous start. The first model of a chain that is not
 * hedged is tried here, and a success resolves the call from that one try: no
 * promise of the chain's or of an async function of its own in between. From a
 * first failure on, the chain goes on from it in {@link afterFirst}.
 */
function startCall<T>(c: CallDeps, fn: AttemptFn<T>, options: RunOptions | undefined): Promise<T> {
  // Entries naming another provider than the caller's are left out (decision 0006).
  const served = options?.provider === undefined ? undefined : servedBy(options.models ?? c.models, options.provider, c.providers);
  const chain = served ? served.models : (options?.models ?? c.models);
  const skipped = served && served.skipped.length > 0 ? { skipped: served.skipped } : NONE_SKIPPED;
  const monitor = c.monitor;
  const models = monitor && monitor.options.routing !== 'fixed' ? monitor.rank(chain).order : chain;
  const call: CallState = {
    taskId: options?.taskId,
    signal: options?.signal,
    timeoutMs: options?.timeoutMs ?? c.timeoutMs,
    timeoutGiven: options?.timeoutMs !== undefined,
    // Estimated once per call when something can be estimated: the budget, admission's weight and the
    // context-window fit all read this one (admission falls back to the default weight without it).
    estimate: c.budget || options?.request !== undefined || options?.estimate !== undefined ? callEstimate(c.budget, options) : undefined,
    run: options,
    usage: options?.usage ? checkedUsage(options.usage) : undefined,
    stream: options?.stream,
    onHeaders: c.onHeaders,
    chain: models,
    deadlineAt: options?.deadlineMs !== undefined ? c.clock.now() + options.deadlineMs : undefined,
    admitBy: options?.deadlineMs === undefined && options?.signal !== undefined && c.patience?.known ? learnedDeadline(c.patience, c.clock.now()) : undefined,
    conditions: mergeConditions(c.conditions, options?.conditions as Conditions | undefined),
  };
  const fit = fitStateOf(options, call.estimate);
  const hedge = models.length > 1 ? hedgeFor(c.hedge, options?.hedge) : undefined;
  if (!hedge && models.length > 0) {
    // The chain's hooks and content rules are built when the first model fails: a success needs neither.
    // The content rules run around it here, in the one continuation that settles the call.
    const model = models[0]!;
    checkStart(c, call);
    const skip = c.content.skipped<T>(model, fit);
    if (skip) return afterFirst(chainParts(c, call, fit, models, skipped), tryIn(c, fn, fit, call), skip);
    const judge = new FirstJudge(c, fn, model, call, fit, skipped);
    // Without deployments, the try settles with what `judge` makes of its outcome: no promise of the call's in between.
    if (c.deployments.size > 0 && c.deployments.get(model)) return judgedAfter(tryEntry(c, fn, model, call, 0, models), judge);
    return tryModel(c.deps, fn, model, call, 0, models, undefined, judge) as Promise<unknown> as Promise<T>;
  }
  return startChain(c, fn, options, call, fit, models, hedge, skipped);
}

/** What `judge` makes of a try's outcome once it settles (apart from {@link startCall}: its closure would give every call a context). */
const judgedAfter = <T>(tried: Promise<Outcome<T>>, judge: FirstJudge<T>): Promise<T> => tried.then((o) => judge.judge(o)) as Promise<T>;

/**
 * What the call makes of its first model's outcome (a chain that is not hedged): the content rules' `judged`, then
 * the value or the rest of the chain. One object per call, not a closure: {@link startCall} then builds no closure
 * context (decision 0057).
 */
class FirstJudge<T> implements TryJudge<T> {
  readonly #c: CallDeps;
  readonly #fn: AttemptFn<T>;
  readonly #model: string;
  readonly #call: CallState;
  readonly #fit: FitState;
  readonly #skipped: object;

  constructor(c: CallDeps, fn: AttemptFn<T>, model: string, call: CallState, fit: FitState, skipped: object) {
    this.#c = c;
    this.#fn = fn;
    this.#model = model;
    this.#call = call;
    this.#fit = fit;
    this.#skipped = skipped;
  }

  judge(tried: Outcome<T>): T | Promise<T> {
    const c = this.#c;
    const fit = this.#fit;
    const call = this.#call;
    const outcome = c.content.judged(this.#model, tried, fit);
    return outcome.ok ? outcome.value : afterFirst(chainParts(c, call, fit, call.chain!, this.#skipped), tryIn(c, this.#fn, fit, call), outcome);
  }
}

/** A hedged call, or a chain whose first model is not tried on its own (see {@link startCall}). */
function startChain<T>(
  c: CallDeps,
  fn: AttemptFn<T>,
  options: RunOptions | undefined,
  call: CallState,
  fit: FitState,
  models: readonly string[],
  hedge: ReturnType<typeof hedgeFor>,
  skipped: object,
): Promise<T> {
  const tryOne = tryIn(c, fn, fit, call);
  const parts = chainParts<T>(c, call, fit, models, skipped);
  const hooks = parts.hooks;
  const chained = hedge
    ? runHedgedCall<T>(models, hedge, hooks, {
        clock: c.clock,
        budget: c.hedgeBudget,
        stopSignal: c.stop,
        callerSignal: call.signal,
        recentP95: (m) => c.monitor?.recentP95(m, (options?.request as { stream?: unknown } | undefined)?.stream === true ? 'ttft' : 'latency'),
        tryIn: (signal) => tryIn(c, fn, fit, { ...call, signal }),
        canHedgeInto: (m) =>
          c.states.breakerState(m) === 'closed' && c.limiter.waiting(m) === 0 && c.limiter.available(m, () => call.estimate ?? callEstimate(undefined, call.run)),
        emit: (name, payload) => {
          if (c.bus.wants(name)) c.bus.emit(name, { timestamp: c.clock.now(), taskId: call.taskId, ...payload } as never);
        },
      })
    : runChain(models, tryOne, hooks);
  return settleChain(parts, tryOne, chained);
}

const NONE_SKIPPED = Object.freeze({});

type TryOne<T> = (model: string, index: number, chain: readonly string[]) => Promise<Outcome<T>>;

/** What running the chain past one model needs: its hooks and content rules. */
interface ChainParts<T> {
  readonly c: CallDeps;
  readonly call: CallState;
  readonly hooks: ChainHooks;
  readonly content: ContentChain<T>;
}

/** Before each model: the caller's abort and dispose stop the chain. */
function checkStart(c: CallDeps, call: CallState): void {
  call.signal?.throwIfAborted();
  if (c.stop.aborted) throw new DisposedError();
}

function chainParts<T>(c: CallDeps, call: CallState, fit: FitState, models: readonly string[], skipped: object): ChainParts<T> {
  const content = contentChain<T>(c.content, fit, models);
  const monitor = c.monitor;
  const hooks: ChainHooks = {
    onFallback: (from: string, to: string, reason: FallbackReason) => {
      monitor?.recordFallback(from, to);
      if (c.bus.wants('fallback')) c.bus.emit('fallback', { timestamp: c.clock.now(), taskId: call.taskId, from, to, reason, ...skipped });
    },
    beforeModel: () => checkStart(c, call),
    moveOn: content.moveOn,
  };
  return { c, call, hooks, content };
}

/**
 * The chain after its first model failed: runChain takes that outcome as its
 * first model's (the model's start was checked before it ran) and goes on.
 */
function afterFirst<T>(parts: ChainParts<T>, tryOne: TryOne<T>, first: Outcome<T>): Promise<T> {
  const hooks = parts.hooks;
  let pending: Outcome<T> | undefined = first;
  const replay: ChainHooks = { ...hooks, beforeModel: (model) => (pending ? undefined : hooks.beforeModel(model)) };
  const resumed: TryOne<T> = (model, index, chain) => {
    const outcome = pending;
    pending = undefined;
    return outcome ? Promise.resolve(outcome) : tryOne(model, index, chain);
  };
  return settleChain(parts, tryOne, runChain(parts.call.chain!, resumed, replay));
}

/** What the chain's result makes of the call: the value, the content fallback's second pass, or the call's error. */
async function settleChain<T>({ c, call, hooks, content }: ChainParts<T>, tryOne: TryOne<T>, chained: Promise<ChainResult<T>>): Promise<T> {
  const first = await chained;
  const result = first.ok ? first : await content.finish(first, tryOne, hooks);
  if (result.ok) return result.value;
  if (result.failures) {
    const error = exhausted(result.failures, call, c.bus, c.clock.now());
    throw result.error ?? error;
  }
  throw result.error;
}

/** A model try of `branch` (the call, or a hedged branch of it) with the content rules around it, for the chain. */
function tryIn<T>(c: CallDeps, fn: AttemptFn<T>, fit: FitState, branch: CallState): TryOne<T> {
  return c.content.wrap<T>((model, index, tried) => tryEntry(c, fn, model, branch, index, tried), fit);
}

/** One chain entry: a model, or a model reached through its deployments. */
function tryEntry<T>(c: CallDeps, fn: AttemptFn<T>, model: string, call: CallState, index: number, chain: readonly string[]) {
  const list = c.deployments.get(model);
  if (list) return tryDeployments(c.deps, fn, model, list, call, index, chain, (id) => c.states.breakerState(id));
  return tryModel(c.deps, fn, model, call, index, chain);
}
