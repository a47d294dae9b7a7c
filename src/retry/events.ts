import type { EventBase } from '../events/events.js';

/** A re-send was refused by the model's retry budget: the call moves on to the next model, or fails. */
export interface RetryThrottledEvent extends EventBase {
  readonly model: string;
  /** The attempt whose failure asked for the re-send, when known. */
  readonly attempt?: number;
  /** `retry` (same model) or `spill` (a re-send on another model after a rate limit). */
  readonly kind: 'retry' | 'spill';
  /** The failure kind that prompted the re-send, when known. */
  readonly reason?: string;
  /** Re-sends already taken in the budget's window. */
  readonly retries: number;
  /** Successful attempts in the budget's window. */
  readonly successes: number;
  /** Re-sends the window allows (ratio × successes + floor), rounded down. */
  readonly allowed: number;
}

export interface RetryEvents {
  'retry:throttled': RetryThrottledEvent;
}
