// The store-fault matrix against a real redis-server (REDIS_URL): the
// RedisBudgetStore under the budget fails one operation on one scope, by
// throwing or hanging; the call settles with its documented outcome and no
// scope keeps a reservation on the server.
import { describe, expect, it } from 'vitest';
import { isBudgetStoreError } from '../../../src/budget/errors.js';
import { RedisBudgetStore } from '../../../src/redis/budget-store.js';
import { BUDGET_APPLY } from '../../../src/redis/scripts.js';
import { type FakeClock, type Mode, type Op, SCOPES, runCase } from '../../budget/fault-store.js';
import { suiteRedis } from './tap.js';

const { prefix: run, redis } = suiteRedis('faults');
const prefix = `${run}:`;

let n = 0;
// A fresh key prefix per case, so one case's totals never meet another's.
const real = async (clock: FakeClock) => ({
  store: new RedisBudgetStore(redis(), { prefix: `${prefix}${n++}:`, clientId: 'c1', timeoutMs: 2_000, retryMs: 2_000 }, { clock }),
  close: async () => {},
});

// A late reservation is given back over the network: at most this long for that round trip (polled,
// so a loaded machine gets the time it needs and an idle one waits a round trip).
const IO_WAIT_MS = 1_000;
const zero = { tokens: 0, costNanos: 0 };
const scopes = Object.keys(SCOPES) as (keyof typeof SCOPES)[];

describe.each(['throw', 'hang'] as Mode[])('store-fault matrix on a real Redis: %s', (mode) => {
  it.each(scopes)('reserve fails on the %s scope: BudgetStoreError, nothing held on the server', async (scope) => {
    const r = await runCase(real, 'reserve', mode, scope, 'closed', IO_WAIT_MS);
    expect(isBudgetStoreError((r.outcome as { error?: unknown }).error)).toBe(true);
    expect(r.calls).toBe(0);
    for (const k of r.keys) expect(r.totals[k]!.reserved, k).toEqual(zero);
  });

  it.each(scopes)('reserve fails on the %s scope, open: the call goes ahead, usage counted', async (scope) => {
    const r = await runCase(real, 'reserve', mode, scope, 'open', IO_WAIT_MS);
    expect(r.outcome.ok).toBe(true);
    for (const k of r.keys) expect(r.totals[k], k).toEqual({ used: { tokens: 50, costNanos: 0 }, reserved: zero });
  });

  it.each(['settle', 'release'] as Op[])('%s fails on the day scope: the call keeps its outcome, the other scopes are clean', async (op) => {
    const r = await runCase(real, op, mode, 'day', 'closed', IO_WAIT_MS);
    expect(r.outcome.ok).toBe(op === 'settle');
    expect(r.open).toBe(0);
    for (const k of r.keys.filter((k) => !k.startsWith('day:'))) expect(r.totals[k]!.reserved, k).toEqual(zero);
  });
});

describe('the budget script on a real Redis', () => {
  it('runs an operation once: the same command sent again, or an older one arriving late, changes nothing', async () => {
    const key = `${prefix}stale:budget:day`;
    // ARGV: ttl, client, seq, mode, limit tokens, limit nanos, then reserved and used deltas.
    const apply = async (seq: number, used: number) => (await redis().eval(BUDGET_APPLY.lua, 1, key, 0, 'c1', seq, 'a', '', '', 0, 0, used, 0)) as number[];
    expect((await apply(1_800_000_000_000_001, 7))[0]).toBe(1);
    expect(await apply(1_800_000_000_000_001, 7)).toEqual([-1, 7, 0, 0, 0]); // sent again after a reconnect
    expect((await apply(1_800_000_000_000_005, 2))[0]).toBe(1);
    expect(await apply(1_800_000_000_000_003, 4)).toEqual([-1, 9, 0, 0, 0]); // arrived after a later one
    expect(await redis().hget(key, 'ut')).toBe('9');
  });
});
