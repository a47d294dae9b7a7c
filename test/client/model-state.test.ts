import { describe, expect, it } from 'vitest';
import { MAX_EXTRA_MODELS } from '../../src/client/client.js';
import { ResilientClient } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

describe('per-model state for models outside `models`', () => {
  it('is kept for at most MAX_EXTRA_MODELS idle models, least recently used forgotten first', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['configured'], clock, retry: false });
    await client.run(() => 'ok');
    for (let i = 0; i < MAX_EXTRA_MODELS + 500; i++) await client.run(() => 'ok', { models: [`caller-model-${i}`] });
    expect(client.extraModels).toBe(MAX_EXTRA_MODELS);
    const snap = client.snapshot();
    expect(Object.keys(snap.breakers)).toHaveLength(MAX_EXTRA_MODELS + 1);
    expect(snap.breakers.configured).toBeDefined(); // configured models are never forgotten
    expect(snap.breakers['caller-model-0']).toBeUndefined();
    expect(snap.breakers[`caller-model-${MAX_EXTRA_MODELS + 499}`]).toBeDefined();
    expect(Object.keys(snap.monitor!.models).length).toBeLessThanOrEqual(MAX_EXTRA_MODELS + 1);
  });

  it('never forgets a model with a call in flight', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['configured'], clock, retry: false, monitor: false });
    let release!: () => void;
    const slow = client.run(() => new Promise<string>((r) => (release = () => r('late'))), { models: ['busy'] });
    await clock.advance(0);
    for (let i = 0; i < MAX_EXTRA_MODELS + 10; i++) await client.run(() => 'ok', { models: [`m${i}`] });
    expect(Object.keys(client.snapshot().breakers)).toContain('busy');
    release();
    expect(await slow).toBe('late');
  });

  it('an open breaker of a recently used model is kept', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['configured'], clock, retry: false, breaker: { volumeThreshold: 1 } });
    await client.run(() => Promise.reject(Object.assign(new Error('500'), { status: 500 })), { models: ['flaky'] }).catch(() => {});
    expect(client.breakerState('flaky')).toBe('open');
    for (let i = 0; i < 10; i++) await client.run(() => 'ok', { models: [`m${i}`] });
    expect(client.breakerState('flaky')).toBe('open');
  });
});

describe('admission state and retry-budget ledgers of models outside `models`', () => {
  it('are forgotten with the rest of an idle model’s state', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['configured'], clock, monitor: false, limits: { default: { maxConcurrent: 4, requestsPerMinute: 10_000 } } });
    await client.run(() => 'ok');
    for (let i = 0; i < MAX_EXTRA_MODELS + 500; i++) await client.run(() => 'ok', { models: [`caller-model-${i}`] });
    const snap = client.snapshot();
    expect(Object.keys(snap.limits)).toHaveLength(MAX_EXTRA_MODELS + 1);
    expect(Object.keys(snap.retryBudget!)).toHaveLength(MAX_EXTRA_MODELS + 1);
    expect(snap.limits['caller-model-0']).toBeUndefined();
    expect(snap.retryBudget!['caller-model-0']).toBeUndefined();
    expect(snap.limits.configured).toBeDefined();
    expect(snap.limits[`caller-model-${MAX_EXTRA_MODELS + 499}`]).toBeDefined();
  });
});

describe('per-deployment state', () => {
  it('is kept for the configured deployments while callers’ extra models come and go, and bounded with them', async () => {
    const client = new ResilientClient({
      models: [{ model: 'm', deployments: [{ id: 'd1', client: {} }, { id: 'd2', client: {} }] }],
      clock: createFakeClock(),
      retry: false,
    });
    for (let i = 0; i < 20; i++) await client.run(() => 'ok');
    for (let i = 0; i < MAX_EXTRA_MODELS + 200; i++) await client.run(() => 'ok', { models: [`caller-model-${i}`] });
    const snap = client.snapshot();
    expect(client.extraModels).toBe(MAX_EXTRA_MODELS);
    // The deployments' breakers (never one for the logical model) plus the kept extra models: nothing else grows.
    expect(Object.keys(snap.breakers)).toHaveLength(MAX_EXTRA_MODELS + 2);
    expect(snap.breakers.d1 ?? snap.breakers.d2).toBeDefined();
    expect(snap.breakers.m).toBeUndefined();
    expect(Object.keys(snap.monitor!.models).length).toBeLessThanOrEqual(MAX_EXTRA_MODELS + 3);
    client.dispose();
  });
});
