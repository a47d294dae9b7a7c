import { expectTypeOf, it } from 'vitest';
import type { BudgetEmitter, BudgetEvents } from '../../src/budget/events.js';
import type { ResilienceEvents } from '../../src/client/events-map.js';

// The client's bus, once the lead merges BudgetEvents into ResilienceEvents, must satisfy BudgetEmitter.
interface Merged extends ResilienceEvents, BudgetEvents {}
declare class Bus {
  wants(name: keyof Merged): boolean;
  emit<K extends keyof Merged>(name: K, payload: Merged[K]): void;
}

it('a bus over the merged event map is a BudgetEmitter', () => {
  expectTypeOf<Bus>().toExtend<BudgetEmitter>();
  expectTypeOf<BudgetEvents['budget:exceeded']['scope']>().toEqualTypeOf<'task' | 'day' | 'model' | 'window'>();
});
