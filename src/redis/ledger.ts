import type { Totals } from '../budget/store.js';

/** A signed change to one key: reserved and used, tokens and nano-USD. */
export interface Delta {
  rt: number;
  rc: number;
  ut: number;
  uc: number;
}

/** An operation sent to Redis that never answered: it may or may not have landed. */
export interface Unanswered {
  readonly seq: number;
  readonly delta: Delta;
}

export const delta = (rt = 0, rc = 0, ut = 0, uc = 0): Delta => ({ rt, rc, ut, uc });
const isZero = (d: Delta) => d.rt === 0 && d.rc === 0 && d.ut === 0 && d.uc === 0;
const REMEMBERED = 10_000;

/**
 * The local state of a {@link RedisBudgetStore} while Redis is out of reach:
 * per key, the last totals Redis reported, the changes made here since
 * (`pending`, to be written back) and the operations whose fate is unknown.
 * The local view of a key is `remote + pending`.
 */
export class Ledger {
  readonly #remote = new Map<string, Totals>();
  readonly #pending = new Map<string, Delta>();
  readonly #unanswered = new Map<string, Unanswered[]>();

  /** Keeps the totals Redis just reported (the most recent 10,000 keys). */
  remember(key: string, totals: Totals): void {
    this.#remote.delete(key);
    this.#remote.set(key, totals);
    if (this.#remote.size > REMEMBERED) this.#remote.delete(this.#remote.keys().next().value!);
  }

  view(key: string): Totals {
    const r = this.#remote.get(key);
    const p = this.#pending.get(key) ?? delta();
    return {
      used: { tokens: Math.max(0, (r?.used.tokens ?? 0) + p.ut), costNanos: Math.max(0, (r?.used.costNanos ?? 0) + p.uc) },
      reserved: { tokens: Math.max(0, (r?.reserved.tokens ?? 0) + p.rt), costNanos: Math.max(0, (r?.reserved.costNanos ?? 0) + p.rc) },
    };
  }

  add(key: string, d: Delta): void {
    const p = this.#pending.get(key) ?? delta();
    this.#pending.set(key, delta(p.rt + d.rt, p.rc + d.rc, p.ut + d.ut, p.uc + d.uc));
  }

  unanswered(key: string, op: Unanswered): void {
    const list = this.#unanswered.get(key) ?? [];
    list.push(op);
    this.#unanswered.set(key, list);
  }

  /** Keys with something to write back. */
  dirty(): string[] {
    return [...new Set([...this.#pending.keys(), ...this.#unanswered.keys()])];
  }

  get clean(): boolean {
    return this.#pending.size === 0 && this.#unanswered.size === 0;
  }

  /** What a reconciliation of `key` sends now. */
  snapshot(key: string): { readonly pending: Delta; readonly unanswered: readonly Unanswered[] } {
    return { pending: { ...(this.#pending.get(key) ?? delta()) }, unanswered: [...(this.#unanswered.get(key) ?? [])] };
  }

  /** Redis applied `sent`: take it off (changes made meanwhile stay pending). */
  commit(key: string, sent: ReturnType<Ledger['snapshot']>, totals: Totals): void {
    const p = this.#pending.get(key);
    if (p) {
      const left = delta(p.rt - sent.pending.rt, p.rc - sent.pending.rc, p.ut - sent.pending.ut, p.uc - sent.pending.uc);
      if (isZero(left)) this.#pending.delete(key);
      else this.#pending.set(key, left);
    }
    const u = this.#unanswered.get(key)?.filter((op) => !sent.unanswered.includes(op));
    if (u && u.length > 0) this.#unanswered.set(key, u);
    else this.#unanswered.delete(key);
    this.remember(key, totals);
  }
}
