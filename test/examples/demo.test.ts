// `npm run demo` tells a story; this checks the story still happens, from the
// same code, with the output captured instead of printed.
import { describe, expect, it } from 'vitest';
import { degradeAndRecover, PRIMARY, SECONDARY } from '../../examples/demo/degrade-and-recover.js';
import { createDemo } from '../../examples/demo/harness.js';

describe('examples/demo', () => {
  it('degrades the primary, opens its breaker, falls back, and recovers through a half-open probe', async () => {
    const lines: string[] = [];
    const demo = createDemo((l) => lines.push(l));
    await degradeAndRecover(demo);
    demo.finish();
    const out = lines.join('\n');

    expect(out).toMatch(new RegExp(`retry +${PRIMARY} attempt 1 → wait 2\\.0s \\(rate_limit, retry-after 2s\\)`));
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
    expect(retries).toBeGreaterThan(0);
    expect(fallbacksOut).toBe(demo.provider.callsTo(SECONDARY).length);
    expect(calls).toBe(demo.provider.callsTo(PRIMARY).length);
  });
});
