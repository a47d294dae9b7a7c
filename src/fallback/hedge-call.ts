import type { Clock } from '../clock/clock.js';
import type { ChainHooks, ChainResult } from './chain.js';
import { runChain } from './chain.js';
import { HEDGE_DEFAULTS, type ResolvedHedge } from './hedge-options.js';
import { type HedgeBudget, hedgeDelay, runHedged } from './hedge.js';
import type { Outcome } from './outcome.js';

/** The hedge options of one call, or undefined when it is not hedged: the call's own choice over the client's. */
export function hedgeFor(client: ResolvedHedge | undefined, per: boolean | { readonly delayMs?: number | 'auto' | undefined } | undefined): ResolvedHedge | undefined {
  if (per === false || (per === undefined && !client)) return undefined;
  const base = client ?? HEDGE_DEFAULTS;
  return typeof per === 'object' && per.delayMs !== undefined ? { ...base, delayMs: per.delayMs } : base;
}

/** What one hedged call needs from the client that runs it. */
export interface HedgeCall<T> {
  readonly clock: Clock;
  readonly budget: HedgeBudget;
  readonly stopSignal: AbortSignal;
  readonly callerSignal: AbortSignal | undefined;
  /** The first model's recent p95 (of time to first token for a stream), for `delayMs: 'auto'`. */
  recentP95(model: string): number | undefined;
  /** A model try whose attempts see `signal` (a branch's, linked to the caller's). */
  tryIn(signal: AbortSignal | undefined): (model: string, index: number, chain: readonly string[]) => Promise<Outcome<T>>;
  canHedgeInto(model: string): boolean;
  emit(name: 'hedge:started' | 'hedge:won' | 'hedge:cancelled', payload: { model: string; hedge?: string; delayMs?: number; loser?: string }): void;
}

/**
 * Runs `models` with a hedge: after the delay, the same request also starts on
 * the next model and the first answer wins. Each branch is a chain of its own.
 */
export function runHedgedCall<T>(models: readonly string[], hedge: ResolvedHedge, hooks: ChainHooks, c: HedgeCall<T>): Promise<ChainResult<T>> {
  c.budget.earn();
  const delayMs = hedgeDelay(hedge, c.recentP95(models[0]!));
  return runHedged<T>(models, c.callerSignal, delayMs, c.budget, {
    clock: c.clock,
    stopSignal: c.stopSignal,
    runBranch: (chain, signal, onModel) => {
      const tryOne = c.tryIn(signal);
      // Each branch sees its place in the whole chain: a model out of room spills to the next one with room, as without hedging.
      const offset = models.indexOf(chain[0]!);
      return runChain(chain, (model, index) => (onModel(model), tryOne(model, offset + index, models)), hooks);
    },
    // Never hedge into a model that would refuse at once, lacks room for this call now, or has callers queued already.
    canHedgeInto: (model) => c.canHedgeInto(model),
    onFallback: (from, to, reason) => hooks.onFallback(from, to, reason as Parameters<ChainHooks['onFallback']>[2]),
    onStarted: (model, hedgeModel, ms) => c.emit('hedge:started', { model, hedge: hedgeModel, delayMs: ms }),
    onWon: (model, loser) => c.emit('hedge:won', { model, ...(loser !== undefined ? { loser } : {}) }),
    onCancelled: (model) => c.emit('hedge:cancelled', { model }),
  });
}
