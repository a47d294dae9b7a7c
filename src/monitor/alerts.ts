import type { AlertLevel } from './options.js';
import type { AlertEvent, AlertRule } from './events.js';

export interface AlertInput {
  readonly level: AlertLevel;
  readonly rule: AlertRule;
  readonly key: string;
  readonly message: string;
  readonly model?: string;
  readonly scope?: string;
  readonly value?: number;
  readonly threshold?: number;
}

// Keys are bounded by models × rules, except budget scopes, which a host may
// make per task; past this many remembered keys, expired ones are pruned.
const PRUNE_AT = 1_000;

/** Remembers when each alert key last fired, so a flapping signal raises one alert per cooldown. */
export class AlertGate {
  readonly #last = new Map<string, number>();

  /** True when `key` may fire at `now`; records it as fired. */
  pass(key: string, now: number, cooldownMs: number): boolean {
    const last = this.#last.get(key);
    if (last !== undefined && now - last < cooldownMs) return false;
    this.#last.delete(key); // re-insert so Map order stays oldest-first
    this.#last.set(key, now);
    if (this.#last.size > PRUNE_AT) this.#prune(now, cooldownMs);
    return true;
  }

  #prune(now: number, cooldownMs: number): void {
    for (const [k, t] of this.#last) {
      if (this.#last.size <= PRUNE_AT / 2) break;
      if (now - t >= cooldownMs) this.#last.delete(k);
      else break;
    }
  }
}

/**
 * The last `count` rate-limit times of one model, in a fixed ring: "N rate
 * limits within W" is then one comparison, with no allocation per sample.
 */
export class RateLimitTrail {
  readonly #times: Float64Array;
  #next = 0;
  #seen = 0;

  constructor(count: number) {
    this.#times = new Float64Array(count);
  }

  /** Records one rate limit; true when the last `count` all fall within `windowMs`. */
  push(now: number, windowMs: number): boolean {
    const n = this.#times.length;
    this.#times[this.#next] = now;
    this.#next = (this.#next + 1) % n;
    this.#seen++;
    // After the write, #next points at the oldest of the last n.
    return this.#seen >= n && now - this.#times[this.#next]! < windowMs;
  }
}

export function alertPayload(a: AlertInput, timestamp: number): AlertEvent {
  return { timestamp, ...a };
}
