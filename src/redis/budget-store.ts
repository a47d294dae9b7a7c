import type { Amount, BudgetStore, StoreLimit, StoreReserveResult, Totals } from '../budget/store.js';
import { type Clock, type RandomSource, systemClock, systemRandom } from '../clock/clock.js';
import { Health, RedisOpError, runScript } from './health.js';
import { type Delta, Ledger, delta } from './ledger.js';
import { type RedisBudgetStoreOptions, randomId, resolveBudgetStoreOptions } from './options.js';
import { BUDGET_APPLY, BUDGET_GET } from './scripts.js';
import { ttlFor } from './ttl.js';
import type { RedisEmitter, RedisLike } from './types.js';

export interface RedisStoreDeps {
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default systemRandom */
  readonly random?: RandomSource;
  /** The client's event bus, for `store:degraded` / `store:recovered`. */
  readonly emitter?: RedisEmitter;
}

type Mode = 'r' | 'a' | 'c';

const totalsOf = (r: readonly unknown[], offset: number): Totals =>
  Object.freeze({
    used: Object.freeze({ tokens: Number(r[offset]), costNanos: Number(r[offset + 1]) }),
    reserved: Object.freeze({ tokens: Number(r[offset + 2]), costNanos: Number(r[offset + 3]) }),
  });

const fits = (t: Totals, a: Amount, limit: StoreLimit | undefined): boolean =>
  (limit?.tokens === undefined || t.used.tokens + t.reserved.tokens + a.tokens <= limit.tokens) &&
  (limit?.costNanos === undefined || t.used.costNanos + t.reserved.costNanos + a.costNanos <= limit.costNanos);

/**
 * A {@link BudgetStore} shared by every process that points at one Redis.
 * Each operation is one Lua script on one key (atomic, one round trip), so
 * ten processes reserving against one nearly full day can never overshoot it.
 *
 * When Redis is slow (past `timeoutMs`), down or failing, the store decides on
 * local state — the last totals Redis reported plus this process's own changes
 * since — emits `store:degraded`, and when Redis answers again writes those
 * changes back (reconciliation, see docs/distributed.md) and emits `store:recovered`.
 *
 * @example
 * import Redis from 'ioredis';
 * const store = new RedisBudgetStore(new Redis(process.env.REDIS_URL), { prefix: 'agents:' });
 * const client = new ResilientClient({ models, budget: { day: { maxCostUsd: 20 }, store } });
 */
export class RedisBudgetStore implements BudgetStore {
  readonly #redis: RedisLike;
  readonly #o: ReturnType<typeof resolveBudgetStoreOptions>;
  readonly #clock: Clock;
  readonly #health: Health;
  readonly #ledger = new Ledger();
  readonly #client: string;
  #seq = 0;
  #recovering: Promise<boolean> | undefined;
  #reconciled = 0;

  constructor(redis: RedisLike, options?: RedisBudgetStoreOptions, deps: RedisStoreDeps = {}) {
    this.#o = resolveBudgetStoreOptions(options);
    this.#redis = redis;
    this.#clock = deps.clock ?? systemClock;
    this.#health = new Health('budget', this.#clock, deps.emitter, this.#o.retryMs);
    this.#client = this.#o.clientId ?? randomId(deps.random ?? systemRandom);
    // Redis refuses an op whose seq is not above the last one it ran for this client name
    // (a resent or late command). A process restarted under the same `clientId` starts
    // above its predecessor's seqs: a thousand per millisecond of the clock, up to 2^53.
    this.#seq = Math.max(0, Math.floor(this.#clock.now())) * 1_000;
  }

  /** True while the store runs on local state. */
  get degraded(): boolean {
    return this.#health.degraded;
  }

  /** The Redis key holding scope `key`. */
  keyOf(key: string): string {
    return `${this.#o.prefix}budget:${key}`;
  }

  async get(key: string): Promise<Totals> {
    if (this.#health.mayTry() && (await this.#ready())) {
      try {
        const r = (await runScript(this.#redis, this.#clock, this.#o.timeoutMs, BUDGET_GET, [this.keyOf(key)], [])) as unknown[];
        const totals = totalsOf(r, 0);
        this.#ledger.remember(key, totals);
        this.#ok();
        return totals;
      } catch (error) {
        this.#health.fail(error);
      }
    }
    return this.#ledger.view(key);
  }

  async reserve(key: string, amount: Amount, limit?: StoreLimit): Promise<StoreReserveResult> {
    const d = delta(amount.tokens, amount.costNanos);
    const remote = await this.#apply(key, 'r', d, limit);
    if (remote) return remote;
    const view = this.#ledger.view(key);
    if (this.#o.onUnavailable === 'closed' || !fits(view, amount, limit)) return Object.freeze({ ok: false, totals: view });
    this.#ledger.add(key, d);
    return Object.freeze({ ok: true, totals: this.#ledger.view(key) });
  }

  async settle(key: string, reserved: Amount, used: Amount): Promise<Totals> {
    const d = delta(-reserved.tokens, -reserved.costNanos, used.tokens, used.costNanos);
    const remote = await this.#apply(key, 'a', d);
    if (remote) return remote.totals;
    this.#ledger.add(key, d);
    return this.#ledger.view(key);
  }

  async release(key: string, reserved: Amount): Promise<Totals> {
    return this.settle(key, reserved, { tokens: 0, costNanos: 0 });
  }

  /**
   * Writes local changes back to Redis now, without waiting for `retryMs`.
   * Resolves true when nothing is left to write (and the store is healthy again).
   */
  async reconcile(): Promise<boolean> {
    if (!(await this.#ready())) return false;
    if (this.#health.degraded && this.#ledger.clean) {
      // Nothing to write: one read proves Redis answers.
      await this.get('__probe__');
    }
    return !this.#health.degraded;
  }

  #ok(): void {
    if (!this.#health.degraded) return;
    this.#health.recover(this.#reconciled);
    this.#reconciled = 0;
  }

  /** One script call on Redis; `undefined` when Redis could not be used (the caller decides locally). */
  async #apply(key: string, mode: Mode, d: Delta, limit?: StoreLimit, again = false): Promise<StoreReserveResult | undefined> {
    if (!this.#health.mayTry() || !(await this.#ready())) return undefined;
    const seq = ++this.#seq;
    const now = this.#clock.now();
    const lt = mode === 'r' && limit?.tokens !== undefined ? limit.tokens : '';
    const lc = mode === 'r' && limit?.costNanos !== undefined ? limit.costNanos : '';
    const args = [ttlFor(key, now, this.#o), this.#client, seq, mode, lt, lc, d.rt, d.rc, d.ut, d.uc];
    try {
      const r = (await runScript(this.#redis, this.#clock, this.#o.timeoutMs, BUDGET_APPLY, [this.keyOf(key)], args)) as unknown[];
      const totals = totalsOf(r, 1);
      this.#ledger.remember(key, totals);
      // Stale: a later op of ours ran first (after a reordering), so this one was not applied.
      // Sent once more with a new seq; if that is stale too, it is kept locally and written back.
      if (Number(r[0]) === -1) return again ? undefined : this.#apply(key, mode, d, limit, true);
      this.#ok();
      return Object.freeze({ ok: Number(r[0]) === 1, totals });
    } catch (error) {
      // It may still land: remember it, so reconciliation can tell (the s:<client> mark) and not count it twice.
      if (error instanceof RedisOpError && error.maybeApplied) this.#ledger.unanswered(key, { seq, delta: d });
      this.#health.fail(error);
      return undefined;
    }
  }

  /** Before any command after an outage: write back what was changed locally. True when nothing is left. */
  #ready(): Promise<boolean> {
    if (this.#ledger.clean) return Promise.resolve(true);
    this.#recovering ??= this.#writeBack().finally(() => {
      this.#recovering = undefined;
    });
    return this.#recovering;
  }

  async #writeBack(): Promise<boolean> {
    // Changes made while a pass is in flight are picked up by the next pass.
    for (let pass = 0; pass < 5 && !this.#ledger.clean; pass++) {
      const keys = this.#ledger.dirty();
      const results = await Promise.all(keys.map((k) => this.#reconcileKey(k)));
      if (results.includes(false)) return false;
      this.#reconciled += keys.length;
    }
    return this.#ledger.clean;
  }

  async #reconcileKey(key: string): Promise<boolean> {
    const sent = this.#ledger.snapshot(key);
    const seq = ++this.#seq;
    const p = sent.pending;
    const args: (string | number)[] = [ttlFor(key, this.#clock.now(), this.#o), this.#client, seq, 'c', '', '', p.rt, p.rc, p.ut, p.uc];
    for (const u of sent.unanswered) args.push(u.seq, u.delta.rt, u.delta.rc, u.delta.ut, u.delta.uc);
    try {
      const r = (await runScript(this.#redis, this.#clock, this.#o.timeoutMs, BUDGET_APPLY, [this.keyOf(key)], args)) as unknown[];
      if (Number(r[0]) === -1) return false; // stale: nothing applied, the next pass sends it again
      this.#ledger.commit(key, sent, totalsOf(r, 1));
      return true;
    } catch (error) {
      if (error instanceof RedisOpError && error.maybeApplied) this.#ledger.unanswered(key, { seq, delta: p });
      this.#health.fail(error);
      return false;
    }
  }
}
