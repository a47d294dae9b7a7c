import type { BudgetStore } from '../../src/budget/store.js';
import { ResilientClient, type ResilienceEvents } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

// The store-fault matrix's fixture, shared by the unit matrix and the real-Redis run.

export type Op = 'reserve' | 'settle' | 'release';
export type Mode = 'throw' | 'hang';

/** Wraps a store so `op` fails on keys starting with `prefix`. Hanging calls are kept to be answered later. */
export function faulty(inner: BudgetStore, op: Op, mode: Mode, prefix: string): BudgetStore & { late: (() => void)[] } {
  const late: (() => void)[] = [];
  const fail = <T>(key: string, run: () => Promise<T>): Promise<T> => {
    if (!key.startsWith(prefix)) return run();
    if (mode === 'throw') return Promise.reject(new Error('store down: redis://svc:Pa55word-xyz@cache:6379'));
    return new Promise<T>((resolve, reject) => late.push(() => void run().then(resolve, reject)));
  };
  return {
    late,
    get: (k) => inner.get(k),
    reserve: (k, a, l) => (op === 'reserve' ? fail(k, () => inner.reserve(k, a, l)) : inner.reserve(k, a, l)),
    settle: (k, r, u) => (op === 'settle' ? fail(k, () => inner.settle(k, r, u)) : inner.settle(k, r, u)),
    release: (k, a) => (op === 'release' ? fail(k, () => inner.release(k, a)) : inner.release(k, a)),
  };
}

export const SCOPES = { task: 'task:', day: 'day:', window: 'window:' } as const;

export type FakeClock = ReturnType<typeof createFakeClock>;

/** One call through a client whose store fails `op` on `scope`; returns its outcome and every scope's totals after. */
export async function runCase(
  storeOf: (clock: FakeClock) => Promise<{ store: BudgetStore; close: () => Promise<void> }>,
  op: Op,
  mode: Mode,
  scope: keyof typeof SCOPES,
  onStoreError: 'closed' | 'open',
  /**
   * Real time a store's own I/O may take to finish after a late answer (a real Redis gives a late
   * reservation back over the network); 0 for in-process stores. Polled: the wait ends as soon as
   * no scope holds a reservation.
   */
  ioWaitMs = 0,
) {
  const clock = createFakeClock({ start: Date.UTC(2026, 0, 1, 12) });
  const { store: inner, close } = await storeOf(clock);
  const store = faulty(inner, op, mode, SCOPES[scope]);
  const client = new ResilientClient({
    models: ['m'],
    clock,
    retry: false,
    monitor: false,
    budget: {
      task: { maxTokens: 10_000 },
      day: { maxTokens: 100_000 },
      window: { windowMs: 3_600_000, maxTokens: 50_000 },
      store,
      onStoreError,
      storeTimeoutMs: 1_000,
    },
  });
  const warnings: ResilienceEvents['budget:usage-warning'][] = [];
  client.on('budget:usage-warning', (e) => warnings.push(e));
  let calls = 0;
  const providerFails = op === 'release';
  const p = client
    .run(
      async () => {
        calls++;
        if (providerFails) throw Object.assign(new Error('400 bad request'), { status: 400 });
        return { usage: { prompt_tokens: 30, completion_tokens: 20 } };
      },
      { taskId: 't1', estimate: { inputTokens: 100, outputTokens: 100 } },
    )
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  // Time moves only while a store call hangs: the file store's real disk writes must not race the fake clock.
  let settled = false;
  void p.then(() => (settled = true));
  let hung = 0;
  while (!settled) {
    if (store.late.length > hung) {
      hung = store.late.length;
      await clock.advance(1_000); // past storeTimeoutMs
    } else await new Promise((r) => setImmediate(r));
  }
  const outcome = await p;
  // A hanging operation answers at last (it may have applied after all).
  for (const answer of store.late.splice(0)) answer();
  await clock.advance(0);
  const keys = ['task:t1', `day:2026-01-01`, `window:${Math.floor(clock.now() / 60_000)}`];
  const read = async () => Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await inner.get(k)] as const)));
  let totals = await read();
  // A settle or release that failed leaves its own scope's reservation to the store's expiry: not waited for.
  const awaited = keys.filter((k) => op === 'reserve' || !k.startsWith(SCOPES[scope]));
  const held = () => awaited.some((k) => totals[k] !== undefined && (totals[k].reserved.tokens !== 0 || totals[k].reserved.costNanos !== 0));
  for (let waited = 0; waited < ioWaitMs && held(); waited += 5) {
    await new Promise((r) => setTimeout(r, 5));
    totals = await read();
  }
  await close();
  return { outcome, calls, warnings, totals, open: client.budget!.openReservations, keys };
}

