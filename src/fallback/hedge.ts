import type { Clock, TimerHandle } from '../clock/clock.js';
import { linkSignals, onAnyAbort } from '../clock/signals.js';
import type { ModelFailure } from '../errors/errors.js';
import type { ChainResult } from './chain.js';
import type { ResolvedHedge } from './hedge-options.js';
import { streamKind } from '../stream/detect.js';

/** What a hedged run needs from the client. */
export interface HedgeDeps<T> {
  readonly clock: Clock;
  /** Runs `models` as a chain whose attempts see `signal` (linked to the caller's); `onModel` hears each model as it is tried. */
  runBranch(models: readonly string[], signal: AbortSignal, onModel: (model: string) => void): Promise<ChainResult<T>>;
  /** Aborts when the client is disposed: no hedge starts after it. */
  readonly stopSignal?: AbortSignal;
  /** The hedge may start on `model` now: its breaker lets calls through and admission has room. */
  canHedgeInto(model: string): boolean;
  /** Called when the first model failed before the hedge: the chain moves on as usual. */
  onFallback(from: string, to: string, reason: ModelFailure['reason']): void;
  onStarted(model: string, hedge: string, delayMs: number): void;
  /** The model that answered, and the model whose request was aborted in its favour (emitted before `onCancelled`). */
  onWon(winner: string, loser: string | undefined): void;
  onCancelled(model: string): void;
}

// Whole thousandths of a hedge: ten calls at 0.1 make exactly one (no float drift).
const UNIT = 1_000;

/**
 * The hedging budget: each call earns `maxShare` of a hedge, each hedge spends
 * one; at most `CAP` banked. It starts with one banked on purpose (documented):
 * the first slow call of a new client can hedge, and hedges never exceed one
 * plus `maxShare` of the calls made.
 */
export class HedgeBudget {
  static readonly CAP = 10;
  #milli = UNIT;
  readonly #share: number;
  constructor(share: number) {
    this.#share = Math.round(share * UNIT);
  }
  /** Counts one hedge-eligible call. */
  earn(): void {
    this.#milli = Math.min(HedgeBudget.CAP * UNIT, this.#milli + this.#share);
  }
  /** Spends one hedge; false when less than one is banked. */
  trySpend(): boolean {
    if (this.#milli < UNIT) return false;
    this.#milli -= UNIT;
    return true;
  }
  get tokens(): number {
    return this.#milli / UNIT;
  }
}

/** The delay before the hedge: fixed, or the first model's recent p95 within bounds. */
export function hedgeDelay(o: ResolvedHedge, recentP95: number | undefined): number {
  if (o.delayMs !== 'auto') return o.delayMs;
  if (recentP95 === undefined) return o.maxDelayMs;
  return Math.min(o.maxDelayMs, Math.max(o.minDelayMs, Math.round(recentP95)));
}

const HEDGE_LOST = Symbol.for('llm-resilience.hedge-lost');

/** The abort reason a losing branch's request sees: an `AbortError`, marked so it is never taken for the caller's abort. */
function lost(): DOMException {
  return Object.defineProperty(new DOMException('The hedged request lost the race', 'AbortError'), HEDGE_LOST, { value: true });
}

/** True for the reason a hedged request that lost the race was aborted with. */
export function isHedgeLoss(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && (reason as Record<symbol, unknown>)[HEDGE_LOST] === true;
}

/** Best effort: a committed stream that lost the race is closed, so its request and resources end. */
function discard(value: unknown): void {
  try {
    const kind = streamKind(value);
    const v = value as Record<string, unknown>;
    if (kind === 'readable-stream') void (value as ReadableStream).cancel().catch(() => {});
    else if (kind === 'ai-sdk') void (v.stream as ReadableStream).cancel().catch(() => {});
    else if (kind === 'sdk-stream' || kind === 'async-iterable') {
      const it = ((value as AsyncIterable<unknown>)[Symbol.asyncIterator] as () => AsyncIterator<unknown>).call(value);
      void it.return?.()?.catch?.(() => {});
    }
  } catch {
    // nothing more to do: the branch's signal is aborted as well
  }
}

type Settled<T> = { readonly branch: 'first' | 'hedge'; readonly result: ChainResult<T> };

/** One branch of a hedged call: never rejects (a throw, such as a budget refusal, becomes its result), and knows the model it is on. */
interface Branch<T> {
  readonly done: Promise<Settled<T>>;
  model(): string;
}

function startBranch<T>(deps: HedgeDeps<T>, which: Settled<T>['branch'], models: readonly string[], signal: AbortSignal): Branch<T> {
  let current = models[0]!;
  const done = deps.runBranch(models, signal, (m) => (current = m)).then(
    (result): Settled<T> => ({ branch: which, result }),
    (error: unknown): Settled<T> => ({ branch: which, result: { ok: false, error } }),
  );
  return { done, model: () => current };
}

/** Both branches failed: their failures in chain order, or the first branch's own error. */
function combine<T>(a: ChainResult<T>, b: ChainResult<T>): ChainResult<T> {
  if (!a.ok && a.failures && !b.ok && b.failures) return { ok: false, failures: [...a.failures, ...b.failures] };
  return a.ok ? a : !a.failures ? a : b;
}

/**
 * Runs the chain with a hedge: `models[0]` alone first; if it has not answered
 * after `delayMs`, the rest of the chain starts alongside it. The first branch
 * to answer wins and the other is aborted at once (its reservation is released
 * by the pipeline, its committed stream closed). If the first model fails
 * before the delay, the chain simply moves on, as without hedging. A branch
 * that throws (a budget refusing its reservation, even late) only loses: the
 * other branch's answer is awaited.
 */
export async function runHedged<T>(models: readonly string[], callerSignal: AbortSignal | undefined, delayMs: number, budget: HedgeBudget, deps: HedgeDeps<T>): Promise<ChainResult<T>> {
  const [first, ...rest] = models as [string, ...string[]];
  // One listener on the caller's signal per branch however many hedged calls share it.
  const a = linkSignals([callerSignal]);
  const b = linkSignals([callerSignal]);
  let timer: TimerHandle | undefined;
  const clear = () => {
    if (timer !== undefined) deps.clock.clearTimeout(timer);
    timer = undefined;
  };
  // A stopped call (caller's abort, dispose) never hedges: its timer goes at once.
  const unstop = onAnyAbort([callerSignal, deps.stopSignal], clear);
  try {
    const primary = startBranch(deps, 'first', [first], a.signal);
    const due = new Promise<'due'>((resolve) => {
      timer = deps.clock.setTimeout(() => resolve('due'), delayMs);
    });
    const early = await Promise.race([primary.done, due]);
    clear();
    if (early !== 'due') {
      if (early.result.ok || !early.result.failures) return early.result;
      // Failed before the hedge was due: the ordinary chain goes on.
      deps.onFallback(first, rest[0]!, early.result.failures[0]!.reason);
      return combine(early.result, await settledChain(deps, rest, b.signal));
    }
    const hedgeModel = rest[0]!;
    if (!deps.canHedgeInto(hedgeModel) || !budget.trySpend()) {
      const r = (await primary.done).result;
      if (r.ok || !r.failures) return r;
      deps.onFallback(first, hedgeModel, r.failures[0]!.reason);
      return combine(r, await settledChain(deps, rest, b.signal));
    }
    deps.onStarted(first, hedgeModel, delayMs);
    const hedge = startBranch(deps, 'hedge', rest, b.signal);
    const winner = await Promise.race([primary.done, hedge.done]);
    const [won, other, otherLink] = winner.branch === 'first' ? [primary, hedge, b] : [hedge, primary, a];
    if (winner.result.ok) {
      const loser = other.model();
      otherLink.abort(lost());
      deps.onWon(won.model(), loser);
      deps.onCancelled(loser);
      // A loser that had already answered: close what it returned.
      void other.done.then((s) => s.result.ok && discard(s.result.value));
      return winner.result;
    }
    const second = await other.done;
    if (second.result.ok) {
      deps.onWon(other.model(), undefined);
      return second.result;
    }
    return winner.branch === 'first' ? combine(winner.result, second.result) : combine(second.result, winner.result);
  } finally {
    clear();
    unstop();
    a.unlink();
    b.unlink();
  }
}

/** The rest of the chain after the first model failed, as a result even when it throws. */
function settledChain<T>(deps: HedgeDeps<T>, models: readonly string[], signal: AbortSignal): Promise<ChainResult<T>> {
  return startBranch(deps, 'hedge', models, signal).done.then((s) => s.result);
}
