import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALLOWED_REJECTIONS, fakeDriver, runSoak, soakViolations, type SoakReport } from '../../bench/lib/soak-scenario.js';
import { createFakeClock } from '../../src/testing/index.js';

/**
 * The small version of `npm run soak` (bench/soak.ts): a few thousand calls on
 * the fake clock through the chaos provider, with the same invariants.
 */
describe('chaos soak (small)', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
  });

  it('settles every call with a typed outcome, reconciles counts and leaves nothing behind', async () => {
    const clock = createFakeClock();
    // The day budget runs out partway through, so reservations race the hard limit.
    const report = await runSoak({ calls: 3_000, concurrency: 200, seed: 42, clock, scale: 1, drive: fakeDriver(clock), budgetTokens: 2_000_000 });
    await clock.flush();

    expect(soakViolations(report)).toEqual([]);
    expect(report.settled).toBe(3_000);
    expect(report.resolved + Object.values(report.rejections).reduce((a, b) => a + b, 0)).toBe(3_000);
    for (const type of Object.keys(report.rejections)) expect(ALLOWED_REJECTIONS as readonly string[]).toContain(type);
    expect(clock.pending()).toBe(0);
    expect(report.listenersAfterDispose).toBe(0);
    expect(unhandled).toEqual([]);
    // The scenario really exercised the failure paths (otherwise the checks above prove little).
    expect(report.faultsInjected).toBeGreaterThan(1_000);
    for (const n of Object.values(report.faults)) expect(n).toBeGreaterThan(0);
    expect(report.events.retry).toBeGreaterThan(0);
    expect(report.events.fallback).toBeGreaterThan(0);
    expect(report.events.breakerOpen).toBeGreaterThan(0);
    expect(report.events.circuitOpen).toBeGreaterThan(0);
    // The budget ran out for real, and never by a single token over.
    expect(report.budget!.refused).toBeGreaterThan(0);
    expect(report.budget!.overshoot).toBe(0);
    expect(report.budget!.operations).toBeGreaterThan(3_000);
  });

  it('replays exactly from its seed', async () => {
    const run = async () => {
      const clock = createFakeClock();
      const r = await runSoak({ calls: 500, concurrency: 50, seed: 9, clock, scale: 1, drive: fakeDriver(clock) });
      return { faults: r.faults, rejections: r.rejections, events: r.events, simulatedMs: r.simulatedMs };
    };
    expect(await run()).toEqual(await run());
  });

  it('reports a call that can never settle as lost instead of hanging', async () => {
    const clock = createFakeClock();
    // No attempt timeout: a provider hang now waits forever, which the driver must detect.
    const report = await runSoak({
      calls: 300,
      concurrency: 30,
      seed: 5,
      clock,
      scale: 1,
      callerAbortRate: 0,
      drive: fakeDriver(clock),
      extraOptions: { timeoutMs: undefined },
    });
    expect(report.faults.hang).toBeGreaterThan(0);
    expect(report.lost).toBeGreaterThan(0);
    expect(soakViolations(report).join()).toMatch(/never settled/);
  });
});

describe('chaos soak in a child process, on the system clock', () => {
  const child = fileURLToPath(new URL('../../bench/lib/soak-child.ts', import.meta.url));
  const runChild = (mode: 'dispose' | 'keep') =>
    new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; closedAt: number }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', child, mode], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, closedAt: Date.now() }));
    });

  for (const mode of ['dispose', 'keep'] as const) {
    it(`exits on its own once every call has settled (${mode === 'dispose' ? 'after dispose()' : 'without dispose()'})`, async () => {
      const r = await runChild(mode);
      expect(r.signal, r.stderr).toBeNull(); // not killed by the 30 s timeout
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { report: SoakReport; resources: string[]; settledAt: number };
      expect(soakViolations(out.report)).toEqual([]);
      expect(out.report.settled).toBe(400);
      expect(out.resources).toEqual([]);
      // Process teardown only; a timer holding the loop would show as seconds here.
      expect(r.closedAt - out.settledAt).toBeLessThan(5_000);
    }, 40_000);
  }
});
