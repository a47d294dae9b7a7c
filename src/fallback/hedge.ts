import type { Clock, TimerHandle } from '../clock/clock.js';
import { linkSignals } from '../clock/signals.js';
import type { ModelFailure } from '../errors/errors.js';
import type { ChainResult } from './chain.js';
import type { ResolvedHedge } from './hedge-options.js';
import { streamKind } from '../stream/detect.js';

/** What a hedged run needs from the client. */
export interface HedgeDeps<T> {
  readonly clock: Clock;
  /** Runs `models` as a chain whose attempts see `signal` (linked to the caller's). */
  runBranch(models: readonly string[], signal: AbortSignal): Promise<ChainResult<T>>;
  /** The hedge may start on `model` now: its breaker lets calls through and admission has room. */
  canHedgeInto(model: string): boolean;
  /** Called when the first model failed before the hedge: the chain moves on as usual. */
  onFallback(from: string, to: string, reason: ModelFailure['reason']): void;
  onStarted(model: string, hedge: string, delayMs: number): void;
  onWon(winner: string, loser: string | undefined): void;
  onCancelled(model: string): void;
}

// Whole thousandths of a hedge: ten calls at 0.1 make exactly one (no float drift).
const UNIT = 1_000;

/** The hedging budget: each call earns `maxShare` of a hedge, each hedge spends one; at most `CAP` banked. */
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

const lost = () => new DOMException('The hedged request lost the race', 'AbortError');

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
 * before the delay, the chain simply moves on, as without hedging.
 */
export async function runHedged<T>(models: readonly string[], callerSignal: AbortSignal | undefined, delayMs: number, budget: HedgeBudget, deps: HedgeDeps<T>): Promise<ChainResult<T>> {
  const [first, ...rest] = models as [string, ...string[]];
  // One listener on the caller's signal per branch however many hedged calls share it.
  const a = linkSignals([callerSignal]);
  const b = linkSignals([callerSignal]);
  try {
    const primary = deps.runBranch([first], a.signal).then((result): Settled<T> => ({ branch: 'first', result }));
    let timer: TimerHandle | undefined;
    const due = new Promise<'due'>((resolve) => {
      timer = deps.clock.setTimeout(() => resolve('due'), delayMs);
    });
    const early = await Promise.race([primary, due]);
    if (early !== 'due') {
      deps.clock.clearTimeout(timer!);
      if (early.result.ok || !early.result.failures) return early.result;
      // Failed before the hedge was due: the ordinary chain goes on.
      deps.onFallback(first, rest[0]!, early.result.failures[0]!.reason);
      return combine(early.result, await deps.runBranch(rest, b.signal));
    }
    const hedgeModel = rest[0]!;
    if (!deps.canHedgeInto(hedgeModel) || !budget.trySpend()) {
      const r = (await primary).result;
      if (r.ok || !r.failures) return r;
      deps.onFallback(first, hedgeModel, r.failures[0]!.reason);
      return combine(r, await deps.runBranch(rest, b.signal));
    }
    deps.onStarted(first, hedgeModel, delayMs);
    const hedge = deps.runBranch(rest, b.signal).then((result): Settled<T> => ({ branch: 'hedge', result }));
    const winner = await Promise.race([primary, hedge]);
    const other = winner.branch === 'first' ? hedge : primary;
    const otherBranch = winner.branch === 'first' ? b : a;
    const otherModel = winner.branch === 'first' ? hedgeModel : first;
    if (winner.result.ok) {
      otherBranch.abort(lost());
      deps.onCancelled(otherModel);
      deps.onWon(winner.branch === 'first' ? first : hedgeModel, otherModel);
      // A loser that had already answered: close what it returned.
      void other.then((s) => s.result.ok && discard(s.result.value));
      return winner.result;
    }
    const second = await other;
    if (second.result.ok) deps.onWon(second.branch === 'first' ? first : hedgeModel, undefined);
    if (second.result.ok) return second.result;
    return winner.branch === 'first' ? combine(winner.result, second.result) : combine(second.result, winner.result);
  } finally {
    a.unlink();
    b.unlink();
  }
}
