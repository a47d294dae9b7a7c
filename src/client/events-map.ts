import type { BudgetEvents } from '../budget/events.js';
import type { CoreEvents } from '../events/events.js';
import type { MonitorEvents } from '../monitor/events.js';
import type { StreamEvents } from '../stream/events.js';

/**
 * Every event the client emits, by name: the core pipeline's plus each
 * capability's. Names are public API; see docs/events.md.
 */
export interface ResilienceEvents extends CoreEvents, StreamEvents, BudgetEvents, MonitorEvents {}

export type ResilienceEventName = keyof ResilienceEvents;
export type Listener<K extends ResilienceEventName> = (payload: ResilienceEvents[K]) => void;
