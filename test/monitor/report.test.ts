import { describe, expect, it } from 'vitest';
import { recommendations, renderReport } from '../../src/monitor/report.js';
import type { MonitorSnapshot } from '../../src/monitor/snapshot.js';
import { outageThenRecovery, setup } from './helpers.js';

/** A deterministic traffic pattern: a good model, a failing one, a slow one, a budget near its limit. */
async function scenario() {
  const ctx = setup({ health: { minCalls: 10 }, anomaly: false });
  const { clock, monitor } = ctx;
  for (let i = 0; i < 40; i++) {
    monitor.recordAttempt('claude-sonnet-4-5', 'success', 800 + (i % 10) * 40);
    monitor.recordUsage('claude-sonnet-4-5', 1_000, 200, 0.006);
    // gpt-4.1 fails about a third of the time with 5xx, and is sometimes rate limited (not an error)
    monitor.recordAttempt('gpt-4.1', i % 3 === 0 ? 'error' : i % 5 === 1 ? 'rate_limited' : 'success', 1_200 + (i % 7) * 100);
    if (i % 3 === 0) {
      monitor.recordRetry('gpt-4.1');
      monitor.recordFallback('gpt-4.1', 'claude-sonnet-4-5');
    }
    monitor.recordAttempt('gpt-4.1-mini', 'success', i % 5 === 0 ? 24_000 : 16_000);
    await clock.advance(5_000);
  }
  monitor.recordBreaker('gpt-4.1', 'open');
  monitor.recordBudget('day:2026-01-01', 0.93);
  await clock.advance(10_000);
  return ctx;
}

describe('renderReport', () => {
  it('renders the Markdown report of a deterministic snapshot', async () => {
    const { monitor } = await scenario();
    expect(renderReport(monitor.snapshot())).toMatchSnapshot();
  });

  it('names statuses and recommends moving traffic off a failing model', async () => {
    const { monitor } = await scenario();
    const snap = monitor.snapshot();
    const md = renderReport(snap);
    const gpt = snap.models.find((m) => m.model === 'gpt-4.1')!;
    const w = gpt.windows.find((x) => x.window === '5m')!;
    const rate = `${Math.round(w.errorRate * 1000) / 10}%`;
    expect(gpt.health).toBe('unhealthy');
    expect(md).toContain(`- Move traffic off gpt-4.1: error rate ${rate} over 5m.`);
    expect(md).toMatch(/\| gpt-4\.1 \| unhealthy \| \d+ \| [\d.]+% warning \|/);
    expect(md).toMatch(/\| claude-sonnet-4-5 \| healthy \| \d+ \| 0% normal \|/);
    expect(md).toContain('- Watch gpt-4.1-mini: p95 latency 24 s over 5m.');
    expect(md).toMatch(/\| gpt-4\.1-mini \| degraded \| 40 \| 0% normal \| 24 s caution \|/);
    expect(md).toContain('Raise budget day:2026-01-01 or move traffic to cheaper models: 93% used.');
    expect(md).toContain('**error** gpt-4.1 breaker open');
  });

  it('says so when nothing needs doing, and renders JSON that parses back to the snapshot', () => {
    const { monitor } = setup();
    monitor.recordAttempt('m', 'success', 10);
    const snap = monitor.snapshot();
    expect(renderReport(snap)).toContain('None: every signal is normal.');
    expect(JSON.parse(renderReport(snap, { format: 'json' }))).toEqual({ ...snap, recommendations: [] });
  });

  it('puts the recommended actions in the JSON report too', async () => {
    const { monitor } = await scenario();
    const snap = monitor.snapshot();
    const json = JSON.parse(renderReport(snap, { format: 'json' })) as { recommendations: string[] };
    expect(json.recommendations).toEqual(recommendations(snap));
    expect(json.recommendations.some((r) => r.startsWith('Move traffic off gpt-4.1'))).toBe(true);
  });

  it('weighs recency: a model healthy again after its breaker closed is "watch", not "move off"', async () => {
    const ctx = setup({ health: { minCalls: 10 }, anomaly: false });
    const { clock, monitor } = ctx;
    await outageThenRecovery(ctx, 'm', 5, 4);
    monitor.recordAttempt('m', 'success', 100);
    const snap = monitor.snapshot();
    const m = snap.models[0]!;
    expect(m.health).toBe('healthy');
    expect(m.recoveredAt).toBe(clock.now());
    expect(m.windows.find((w) => w.window === '5m')!.errorRate).toBe(0.4);
    const actions = recommendations(snap);
    expect(actions.some((a) => a.startsWith('Move traffic off m'))).toBe(false);
    expect(actions).toContain(`Watch m: recovered, healthy since ${new Date(clock.now()).toISOString().replace('.000Z', 'Z')}; the 40% error rate over 5m includes the failures before.`);
  });

  it('reports a budget refusal with the real fraction used', () => {
    const { monitor } = setup();
    monitor.recordBudget('model:2026-01-01:big', 0.947, 'big');
    const snap = monitor.snapshot();
    expect(snap.budgets).toEqual([{ scope: 'model:2026-01-01:big', fraction: 0.947, refused: 1, updatedAt: expect.any(Number) }]);
    const md = renderReport(snap);
    expect(md).toContain('| model:2026-01-01:big | 94.7% | 1 | caution |');
    expect(md).toContain('Raise budget model:2026-01-01:big or move traffic to cheaper models: 94.7% used, 1 call refused for lack of room.');
  });

  it('masks credential-looking text that reached a snapshot', () => {
    const { monitor } = setup();
    const snap: MonitorSnapshot = { ...monitor.snapshot(), recent: [{ timestamp: 0, kind: 'alert', level: 'error', message: 'Authorization: Bearer abcdefghijklmnop' }] };
    const md = renderReport(snap);
    expect(md).not.toContain('abcdefghijklmnop');
    expect(renderReport(snap, { format: 'json' })).not.toContain('abcdefghijklmnop');
  });

  it('samples process signals only when asked', () => {
    const { monitor } = setup({ process: { eventLoopDelay: true } });
    expect(monitor.snapshot().process).toBeUndefined();
    const p = monitor.snapshot({ process: true }).process!;
    expect(p.heapUsedBytes).toBeGreaterThan(0);
    expect(p.rssBytes).toBeGreaterThan(0);
    monitor.dispose();
  });

  it('snapshot is plain JSON-serializable data', async () => {
    const { monitor } = await scenario();
    const snap = monitor.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });
});
