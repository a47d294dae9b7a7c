import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main, parseDuration } from '../../src/cli/report.js';
import type { MonitorSnapshot } from '../../src/monitor/snapshot.js';

const fixture = fileURLToPath(new URL('./fixtures/events.jsonl', import.meta.url));
const NOW = Date.parse('2026-01-02T00:00:00Z');

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, now: () => NOW });
  return { code, out, err };
}

describe('llm-resilience report', () => {
  it('prints the Markdown report of the last 24 h, skipping malformed lines', async () => {
    const { code, out, err } = await run(['report', fixture, '--since', '24h']);
    expect(code).toBe(0);
    // Bad lines: not JSON, no timestamp, an array, a truncated line, and a success with no model.
    expect(err).toBe('llm-resilience: skipped 5 malformed line(s)\n');
    expect(out).toContain('_5 malformed log line(s) skipped._');
    expect(out).toMatchSnapshot();
  });

  it('reports figures computed from the log', async () => {
    const { out } = await run(['report', fixture, '--since', '24h', '--format', 'json']);
    const snap = JSON.parse(out) as MonitorSnapshot;
    const gpt = snap.models.find((m) => m.model === 'gpt-4.1')!;
    const w = gpt.windows[0]!;
    expect(w).toMatchObject({ window: '24h', calls: 32, successes: 20, errors: 8, rateLimited: 4, retries: 12, fallbacksOut: 12, coveredMs: 86_400_000 });
    expect(w.errorRate).toBe(0.2857); // 8 errors of the 28 attempts answered; the 4 rate-limited ones are counted apart
    expect(w.rateLimitRate).toBe(0.125);
    expect(gpt.breaker).toBe('open');
    expect(gpt.health).toBe('unhealthy');
    expect(w.uptime).toBeLessThan(1);
    const claude = snap.models.find((m) => m.model === 'claude-sonnet-4-5')!.windows[0]!;
    expect(claude).toMatchObject({ calls: 32, successes: 32, fallbacksIn: 12, inputTokens: 24_000, outputTokens: 6_000, costUsd: 0.162 });
    expect(claude.latency!.min).toBe(1_000);
    expect(claude.latency!.max).toBe(1_380);
    expect(snap.previous!.models).toEqual([
      { model: 'claude-sonnet-4-5', calls: 20, errorRate: 0, p95LatencyMs: expect.any(Number) },
      { model: 'gpt-4.1', calls: 22, errorRate: 0.0909, p95LatencyMs: expect.any(Number) },
    ]);
    expect(snap.budgets).toEqual([{ scope: 'day:2026-01-01', fraction: 0.91, refused: 0, updatedAt: expect.any(Number) }]);
    expect(snap.recent.map((e) => e.kind)).toEqual(['breaker', 'health', 'alert', 'breaker']);
  });

  it('narrows the period with --since', async () => {
    const { out } = await run(['report', fixture, '--since=1h', '--format=json']);
    const snap = JSON.parse(out) as MonitorSnapshot;
    expect(snap.models.find((m) => m.model === 'gpt-4.1')!.windows[0]).toMatchObject({ window: '1h', calls: 12, successes: 0 });
  });

  it('exits 2 with usage on bad arguments and 1 on a missing file', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['report'])).err).toContain('missing the event log file');
    expect((await run(['report', fixture, '--since', 'yesterday'])).err).toContain('--since: expected a duration such as 24h or 90m, received "yesterday"');
    expect((await run(['report', fixture, '--format', 'html'])).code).toBe(2);
    const missing = await run(['report', '/nonexistent/events.jsonl']);
    expect(missing).toMatchObject({ code: 1, err: 'llm-resilience: cannot read /nonexistent/events.jsonl (ENOENT)\n' });
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: llm-resilience report');
  });

  it.each([['90m', 5_400_000], ['24h', 86_400_000], ['7d', 604_800_000], ['1.5s', 1_500], ['0h', undefined], ['h', undefined]])('parseDuration(%s) = %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
