import type { BudgetEmitter, BudgetEvents } from '../../src/budget/events.js';

export type Recorded = { [K in keyof BudgetEvents]: { name: K; payload: BudgetEvents[K] } }[keyof BudgetEvents];

/** An emitter that wants everything and records it. */
export function recorder(): BudgetEmitter & { events: Recorded[]; of<K extends keyof BudgetEvents>(name: K): BudgetEvents[K][] } {
  const events: Recorded[] = [];
  return {
    events,
    wants: () => true,
    emit(name, payload) {
      events.push({ name, payload } as Recorded);
    },
    of<K extends keyof BudgetEvents>(name: K) {
      return events.filter((e) => e.name === name).map((e) => e.payload as BudgetEvents[K]);
    },
  };
}

export const usage = (inputTokens: number, outputTokens: number) => ({
  inputTokens,
  outputTokens,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});
