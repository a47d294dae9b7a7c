import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BudgetManager } from '../../src/budget/manager.js';
import { type BudgetStoreError, isBudgetStoreError } from '../../src/budget/errors.js';
import { FileBudgetStore } from '../../src/budget/file-store.js';
import { RedisBudgetStore } from '../../src/redis/budget-store.js';
import { StubRedis } from '../redis/stub-redis.js';
import { type FakeClock, SCOPES, runCase } from './fault-store.js';
import { MemoryBudgetStore } from '../../src/budget/store.js';
import type { Amount, BudgetStore } from '../../src/budget/store.js';
import { createFakeClock } from '../../src/testing/index.js';
import { recorder, usage } from './helpers.js';

const ESTIMATE = { inputTokens: 100, outputTokens: 100 };

describe('store errors reach events redacted', () => {
  it('masks a connection URL password and an API key in budget:usage-warning.detail', async () => {
    const store = new MemoryBudgetStore();
    const failing: BudgetStore = {
      get: (k) => store.get(k),
      reserve: (k, a, l) => store.reserve(k, a, l),
      settle: async () => {
        throw new Error('connect failed: postgres://app:Hunter2Secret@db.internal:5432/budget (x-api-key: sk-live-AbCdEf123456)');
      },
      release: (k, a: Amount) => store.release(k, a),
    };
    const emitter = recorder();
    const budget = new BudgetManager({ day: { maxTokens: 1_000 }, store: failing }, { clock: createFakeClock(), emitter });
    const r = await budget.reserve({ model: 'm', estimate: ESTIMATE });
    if (!r.ok) throw r.error;
    await budget.settle(r.reservation, usage(10, 10));
    const w = emitter.of('budget:usage-warning');
    expect(w).toHaveLength(1);
    expect(w[0]!.reason).toBe('store');
    expect(w[0]!.detail).toContain('postgres://');
    expect(w[0]!.detail).not.toContain('Hunter2Secret');
    expect(w[0]!.detail).not.toContain('AbCdEf123456');
  });
});

// ---------------------------------------------------------------------------
// The store-fault matrix: reserve / settle / release throwing or hanging on one
// scope, for the memory, file and Redis stores. Whatever fails, the call
// settles with a typed, documented outcome and no scope keeps a reservation.

const STORES = ['memory', 'file', 'redis'] as const;
type StoreKind = (typeof STORES)[number];

async function storeOf(kind: StoreKind, clock: FakeClock): Promise<{ store: BudgetStore; close: () => Promise<void> }> {
  if (kind === 'memory') return { store: new MemoryBudgetStore(), close: async () => {} };
  if (kind === 'file') {
    const store = await FileBudgetStore.open(join(mkdtempSync(join(tmpdir(), 'llmr-fault-')), 'budget.jsonl'));
    return { store, close: () => store.close() };
  }
  return { store: new RedisBudgetStore(new StubRedis(clock), { prefix: 't:', clientId: 'c1' }, { clock }), close: async () => {} };
}

describe.each(STORES)('store-fault matrix: %s store', (kind) => {
  describe.each(['throw', 'hang'] as const)('%s', (mode) => {
    it.each(Object.keys(SCOPES) as (keyof typeof SCOPES)[])('reserve fails on the %s scope, closed: BudgetStoreError, nothing sent, nothing held', async (scope) => {
      const r = await runCase((clock) => storeOf(kind, clock), 'reserve', mode, scope, 'closed');
      expect(r.outcome.ok).toBe(false);
      const err = (r.outcome as { error: unknown }).error;
      expect(isBudgetStoreError(err)).toBe(true);
      expect((err as BudgetStoreError).operation).toBe('reserve');
      expect((err as BudgetStoreError).key.startsWith(SCOPES[scope])).toBe(true);
      expect((err as BudgetStoreError).timedOut).toBe(mode === 'hang');
      expect((err as Error).message).not.toContain('Pa55word');
      expect(r.calls).toBe(0);
      expect(r.open).toBe(0);
      for (const k of r.keys) expect(r.totals[k]!.reserved, k).toEqual({ tokens: 0, costNanos: 0 });
      expect(r.warnings.map((w) => w.reason)).toContain('store');
    });

    it.each(Object.keys(SCOPES) as (keyof typeof SCOPES)[])('reserve fails on the %s scope, open: the call goes ahead, usage still counted', async (scope) => {
      const r = await runCase((clock) => storeOf(kind, clock), 'reserve', mode, scope, 'open');
      expect(r.outcome.ok).toBe(true);
      expect(r.calls).toBe(1);
      expect(r.open).toBe(0);
      for (const k of r.keys) expect(r.totals[k]!.reserved, k).toEqual({ tokens: 0, costNanos: 0 });
      for (const k of r.keys) expect(r.totals[k]!.used.tokens, k).toBe(50);
    });

    it.each(Object.keys(SCOPES) as (keyof typeof SCOPES)[])('settle fails on the %s scope: the value comes back, the other scopes are settled', async (scope) => {
      const r = await runCase((clock) => storeOf(kind, clock), 'settle', mode, scope, 'closed');
      expect(r.outcome.ok).toBe(true);
      expect(r.open).toBe(0);
      expect(r.warnings.filter((w) => w.reason === 'store')).toHaveLength(1);
      for (const k of r.keys.filter((k) => !k.startsWith(SCOPES[scope]))) {
        expect(r.totals[k], k).toEqual({ used: { tokens: 50, costNanos: 0 }, reserved: { tokens: 0, costNanos: 0 } });
      }
    });

    it.each(Object.keys(SCOPES) as (keyof typeof SCOPES)[])('release fails on the %s scope: the provider error comes back, the other scopes are released', async (scope) => {
      const r = await runCase((clock) => storeOf(kind, clock), 'release', mode, scope, 'closed');
      expect(r.outcome.ok).toBe(false);
      expect((r.outcome as { error: Error }).error.message).toBe('400 bad request');
      expect(r.open).toBe(0);
      for (const k of r.keys.filter((k) => !k.startsWith(SCOPES[scope]))) expect(r.totals[k]!.reserved, k).toEqual({ tokens: 0, costNanos: 0 });
    });
  });
});

describe('a reservation that lands after its timeout', () => {
  it('is given back, so the late answer leaks nothing', async () => {
    const r = await runCase((clock) => storeOf('memory', clock), 'reserve', 'hang', 'day', 'closed');
    // The hanging day reserve was answered after the call gave up on it.
    expect(r.totals['day:2026-01-01']!.reserved).toEqual({ tokens: 0, costNanos: 0 });
  });
});
