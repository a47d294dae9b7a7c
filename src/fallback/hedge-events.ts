import type { EventBase } from '../events/events.js';

export interface HedgeStartedEvent extends EventBase {
  /** The first model, still running. */
  readonly model: string;
  /** The model the hedge starts on. */
  readonly hedge: string;
  /** How long the first model had. */
  readonly delayMs: number;
}

export interface HedgeWonEvent extends EventBase {
  /** The model whose answer (or first content chunk) came first. */
  readonly model: string;
  /** The model aborted in its favour; absent when the other branch had already failed. */
  readonly loser?: string;
}

export interface HedgeCancelledEvent extends EventBase {
  /** The model whose request lost the race and was aborted. */
  readonly model: string;
}

export interface HedgeEvents {
  'hedge:started': HedgeStartedEvent;
  'hedge:won': HedgeWonEvent;
  'hedge:cancelled': HedgeCancelledEvent;
}
