// `npm run demo` tells a story; this checks the story still happens, from the
// same code, with the output captured instead of printed.
import { describe, expect, it } from 'vitest';
import { SECTIONS } from '../../examples/demo.js';
import { budgetFallback, CHEAP, EXPENSIVE, EXPENSIVE_DAY_USD } from '../../examples/demo/budget-fallback.js';
import { degradeAndRecover, PRIMARY, SECONDARY } from '../../examples/demo/degrade-and-recover.js';
import { createDemo } from '../../examples/demo/harness.js';
import { monitorReport } from '../../examples/demo/monitor-report.js';
import { STREAM_MODEL, STREAM_TEXT, streamedOverload } from '../../examples/demo/streamed-overload.js';
import { costOf } from '../../src/index.js';

function capture() {
  const lines: string[] = [];
  const demo = createDemo((l) => lines.push(l));
  return { lines, demo, out: () => lines.join('\n') };
}
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('examples/demo', () => {
  it('degrades the primary, opens its breaker, falls back, and recovers through a half-open probe', async () => {
    const lines: string[] = [];
    const demo = createDemo((l) => lines.push(l));
    await degradeAndRecover(demo);
    demo.finish();
    const out = lines.join('\n');

    expect(out).toMatch(new RegExp(`fallback +${PRIMARY} → ${SECONDARY} \\(rate_limit\\)`));
    expect(out).toMatch(new RegExp(`failed +${PRIMARY} attempt \\d: overloaded \\(529\\)`));
    expect(out).toMatch(new RegExp(`fallback +${PRIMARY} → ${SECONDARY} \\(circuit_open\\)`));
    const order = ['OPEN', 'HALF-OPEN', 'CLOSED'].map((s) => out.indexOf(`breaker   ${PRIMARY} ${s}`));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Timestamps are relative to the demo start on the fake clock.
    expect(lines.find((l) => l.includes('── request 1'))).toMatch(/^ +\+0\.0s {2}/);

    const row = (model: string) => lines.find((l) => l.startsWith(`| ${model} `))!.split('|').slice(2, -1).map((c) => Number(c.trim()));
    const [calls, ok, failed, refused, retries, fallbacksOut, opens] = row(PRIMARY);
    expect(calls).toBe(ok! + failed!);
    expect(opens).toBe(1);
    expect(refused).toBeGreaterThan(0);
    // Every 429 and 529 went straight to the healthy secondary: no backoff sleep, no same-model retry.
    expect(retries).toBe(0);
    expect(fallbacksOut).toBe(demo.provider.callsTo(SECONDARY).length);
    expect(calls).toBe(demo.provider.callsTo(PRIMARY).length);
  });

  it('warns at 90% of the expensive model\'s budget, then falls back to the cheaper model, and shows the snapshot', async () => {
    const { lines, demo, out } = capture();
    await budgetFallback(demo);
    const text = out();
    demo.finish();

    const perCall = costOf(EXPENSIVE, { inputTokens: 2_000, outputTokens: 500, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 })!;
    const fits = Math.floor(EXPENSIVE_DAY_USD / perCall + 1e-9);
    // The limit is chosen so the last call that fits crosses 90%.
    expect(fits * perCall).toBeGreaterThanOrEqual(0.9 * EXPENSIVE_DAY_USD);
    expect(demo.provider.callsTo(EXPENSIVE)).toHaveLength(fits);
    expect(demo.provider.callsTo(CHEAP)).toHaveLength(6 - fits);

    // The key names its scope (`model:<day>:<model>`): printed once, not as `model model:…`.
    expect(text).not.toMatch(/budget +(\w+) \1:/);
    const warning = text.search(new RegExp(`budget +model:[\\d-]+:${esc(EXPENSIVE)}: 90% threshold reached`));
    const exceeded = text.search(new RegExp(`budget +model:[\\d-]+:${esc(EXPENSIVE)} EXCEEDED for ${esc(EXPENSIVE)}: .* → fallback`));
    const fallback = text.indexOf(`fallback  ${EXPENSIVE} → ${CHEAP} (budget)`);
    expect(warning).toBeGreaterThan(0);
    expect(exceeded).toBeGreaterThan(warning);
    expect(fallback).toBeGreaterThan(exceeded);
    expect(text).toMatch(/alert +warning \[budget\]/);
    // The refusal is reported as one, at the real share used: never "at 100%" below the limit.
    const share = `${Math.round(((fits * perCall) / EXPENSIVE_DAY_USD) * 1000) / 10}%`;
    expect(text).toContain(`had no room for a call to ${EXPENSIVE} at ${share} used`);
    expect(text).not.toMatch(/Budget \S+ at 100%/);
    expect(lines.filter((l) => l.includes(`→ answered by ${CHEAP}`))).toHaveLength(6 - fits);

    const row = lines.find((l) => l.startsWith('| model ') && l.includes(EXPENSIVE))!.split('|').map((c) => c.trim());
    expect(row[3]).toBe('fallback');
    expect(row[4]).toBe(`$${(fits * perCall).toFixed(4)}`);
    expect(row[5]).toBe(`$${EXPENSIVE_DAY_USD.toFixed(4)}`);
    expect(row[6]).toBe(`$${(EXPENSIVE_DAY_USD - fits * perCall).toFixed(4)}`);
    expect(lines.some((l) => l.startsWith('| day '))).toBe(true);
  });

  it('retries a stream that fails with overloaded_error before its first token, then streams the whole answer once', async () => {
    const { demo, out } = capture();
    await streamedOverload(demo);
    const text = out();
    demo.finish();

    const steps = [
      new RegExp(`failed +${esc(STREAM_MODEL)} attempt 1: overloaded after`),
      new RegExp(`retry +${esc(STREAM_MODEL)} attempt 1 → wait [\\d.]+s \\(overloaded, backoff\\)`),
      new RegExp(`stream +${esc(STREAM_MODEL)} attempt 2 committed: first token after \\d+ ms`),
      new RegExp(`stream +${esc(STREAM_MODEL)} complete: ${STREAM_TEXT.length + 3} chunks in \\d+ ms \\(420 in / 9 out tokens\\)`),
      /the caller read: "/,
    ].map((re) => text.search(re));
    expect(steps.every((i) => i >= 0), String(steps)).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(text).toContain(`the caller read: "${STREAM_TEXT.join('')}"`);
    expect(text).not.toMatch(/stream +\S+ FAILED/);
  });

  it('ends with the monitor\'s Markdown report of the outage client', async () => {
    const { demo, out } = capture();
    await degradeAndRecover(demo);
    const before = out().length;
    await monitorReport(demo);
    const report = out().slice(before);
    demo.finish();

    expect(report).toContain('# LLM resilience report');
    // Recovered: healthy on the calls since its breaker closed, although the window still holds the outage.
    expect(report).toMatch(new RegExp(`\\| ${esc(PRIMARY)} \\| healthy \\| ${demo.provider.callsTo(PRIMARY).length} \\|`));
    expect(report).toMatch(new RegExp(`\\| ${esc(SECONDARY)} \\| healthy \\|`));
    expect(report).toContain(`${PRIMARY} breaker open`);
    expect(report).not.toContain(`Move traffic off ${PRIMARY}`);
    // Once closed, no success turned it unhealthy again.
    const closed = out().indexOf(`breaker   ${PRIMARY} CLOSED`);
    expect(out().slice(closed)).not.toMatch(new RegExp(`health +${esc(PRIMARY)} \\w+ → unhealthy`));
  });

  it('runs every section in order, offline, well under 15 s of real time', async () => {
    const { demo, out } = capture();
    const started = performance.now();
    for (const section of SECTIONS) await section(demo);
    demo.finish();
    expect(performance.now() - started).toBeLessThan(15_000);
    const headings = [...out().matchAll(/^(\d)\. /gm)].map((m) => Number(m[1]));
    expect(headings).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(SECTIONS.at(-1)).toBe(monitorReport);
  });
});
