import { describe, expect, it } from 'vitest';
import { recommendations, renderReport } from '../../src/monitor/report.js';
import { setup } from './helpers.js';

// A 429 is capacity, not health: rate-limited attempts are counted apart (a
// rate-limit rate beside the error rate) and never make a model unhealthy.
describe('rate-limited attempts are not errors', () => {
  it('a model that only saw 429s stays healthy, with a 0% error rate and a 100% rate-limit rate', () => {
    const { monitor, of, win } = setup();
    for (let i = 0; i < 20; i++) monitor.recordAttempt('gpt-4.1', 'rate_limited', 50);
    expect(of('health:change')).toEqual([]);
    const w = win('gpt-4.1', '5m')!;
    expect(w).toMatchObject({ calls: 20, rateLimited: 20, errors: 0, errorRate: 0, rateLimitRate: 1 });
    const snap = monitor.snapshot();
    expect(snap.models[0]!.health).toBe('healthy');
    const advice = recommendations(snap);
    expect(advice.join('\n')).not.toMatch(/Move traffic off/);
    expect(advice.join('\n')).toMatch(/Lower concurrency on gpt-4\.1 or ask for a higher rate limit: 100% of calls rate limited/);
  });

  it('errors and rate limits mixed: the error rate counts errors and timeouts of the attempts the model answered', () => {
    const { monitor, win } = setup({ health: { minCalls: 5 } });
    for (let i = 0; i < 6; i++) monitor.recordAttempt('m', 'success', 50);
    for (let i = 0; i < 3; i++) monitor.recordAttempt('m', 'rate_limited', 50);
    monitor.recordAttempt('m', 'error', 50);
    // 1 error of the 7 attempts the model answered; 3 of the 10 attempts were rate limited.
    expect(win('m', '5m')).toMatchObject({ calls: 10, errorRate: 0.1429, rateLimitRate: 0.3 });
    expect(monitor.snapshot().models[0]!.health).toBe('degraded'); // 14% ≥ 10%, not unhealthy at 4 in 10
    expect(renderReport(monitor.snapshot(), { format: 'markdown' })).toContain('| m | degraded | 10 | 14.3% caution |');
  });

  it('after a recovery, 429s do not count against the model either', async () => {
    const { clock, monitor } = setup({ health: { minCalls: 4 } });
    for (let i = 0; i < 5; i++) monitor.recordAttempt('m', 'error', 50);
    monitor.recordBreaker('m', 'open');
    await clock.advance(30_000);
    monitor.recordBreaker('m', 'half-open');
    monitor.recordBreaker('m', 'closed');
    for (let i = 0; i < 6; i++) monitor.recordAttempt('m', 'rate_limited', 50);
    expect(monitor.snapshot().models[0]!.health).toBe('healthy');
  });
});

describe('the report explains itself', () => {
  it('says what n/a means when a signal is not judged', () => {
    const { monitor } = setup();
    monitor.recordAttempt('m', 'success', 50);
    const md = renderReport(monitor.snapshot());
    expect(md).toContain('| m | healthy | 1 | 0% n/a |');
    expect(md).toContain('_n/a: not judged, fewer than 10 attempts answered (rate-limited ones aside) over 5m, or no successful call to time._');
  });

  it('a budget at or past its limit is "exceeded", not "warning"', () => {
    const { monitor } = setup();
    monitor.recordBudget('day:2026-01-01', 1.019);
    monitor.recordBudget('task:t1', 0.95);
    const md = renderReport(monitor.snapshot());
    expect(md).toContain('| day:2026-01-01 | 101.9% | 0 | exceeded |');
    expect(md).toContain('| task:t1 | 95% | 0 | caution |');
  });
});
