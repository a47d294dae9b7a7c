import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDashboardServer } from '../../../src/dashboard/index.js';
import { ResilientClient } from '../../../src/index.js';
import { Monitor, outcomeOf } from '../../../src/monitor/index.js';
import type { ObservableClient } from '../../../src/sse/index.js';
import { createFakeClock, createFakeProvider, step, type FakeClock } from '../../../src/testing/index.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = new URL('../../../', import.meta.url).pathname;

let browser: BrowserContext;
let profile: string;
beforeAll(async () => {
  // A fresh profile per run; playwright passes it to Chromium as --user-data-dir.
  profile = mkdtempSync(join(tmpdir(), 'llmr-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
});

/**
 * Test glue standing in for the lead's integration of the monitor into the
 * client: feeds a real Monitor from the client's events and exposes its
 * snapshot and events next to the client's.
 */
function withMonitor(client: ResilientClient, clock: FakeClock) {
  const bus = new EventEmitter();
  const monitor = new Monitor(
    { windows: [10_000, 60_000], health: { windowMs: 10_000, minCalls: 3 }, anomaly: false },
    { clock, events: { wants: () => true, emit: (name, payload) => bus.emit(name, payload) } },
  );
  client.on('success', (p) => monitor.recordAttempt(p.model, 'success', p.latencyMs));
  client.on('failure', (p) => {
    const outcome = outcomeOf(p.kind);
    if (outcome) monitor.recordAttempt(p.model, outcome, p.latencyMs);
  });
  client.on('retry', (p) => monitor.recordRetry(p.model));
  client.on('fallback', (p) => monitor.recordFallback(p.from, p.to));
  for (const name of ['breaker:open', 'breaker:half-open', 'breaker:close'] as const) client.on(name, (p) => monitor.recordBreaker(p.model, p.state));
  const own = new Set(['health:change', 'anomaly', 'alert']);
  const observable: ObservableClient = {
    models: client.models,
    breakerState: (m) => client.breakerState(m),
    snapshot: () => monitor.snapshot(),
    on: (name: string, fn: (p: unknown) => void) => {
      if (!own.has(name)) return client.on(name as 'success', fn);
      bus.on(name, fn);
      return () => bus.off(name, fn);
    },
  };
  return { monitor, observable, ownListeners: () => bus.eventNames().length };
}

describe('dashboard in headless Chromium', () => {
  it('shows a model going unhealthy with its breaker open, then recovering, and saves a screenshot', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock);
    const client = new ResilientClient({
      models: ['claude-sonnet-4-5', 'gpt-4.1'],
      clock,
      retry: false,
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 5_000 },
    });
    const { monitor, observable, ownListeners } = withMonitor(client, clock);
    const glueListeners = client.listenerCount();
    const server = await startDashboardServer(observable, { stream: { clock, snapshotEveryMs: 1_000, heartbeatMs: 15_000 }, title: 'llm-resilience demo' });
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.locator('#conn.live').waitFor({ timeout: 5_000 });

      const calls = async (n: number, spacingMs: number) => {
        for (let i = 0; i < n; i++) {
          let settled = false;
          const run = client.run(provider.call).then(
            () => (settled = true),
            () => (settled = true),
          );
          await clock.advance(spacingMs);
          while (!settled) await clock.advance(100); // a fallback can take longer than the spacing
          await run;
        }
      };
      // Healthy traffic with varied latency, then the primary starts failing.
      const latencies = [420, 610, 380, 900, 520, 700, 450];
      provider.script('claude-sonnet-4-5', latencies.map((latencyMs) => step.success({ latencyMs })));
      provider.script('gpt-4.1', [step.success({ latencyMs: 800 }), step.success({ latencyMs: 950 })]);
      await calls(latencies.length, 1_000);
      monitor.recordBudget('day', 0.62);
      monitor.recordBudget('model:claude-sonnet-4-5', 0.93);
      provider.script('claude-sonnet-4-5', [step.serverError(503, { latencyMs: 150 })]);
      await calls(6, 1_000);

      const primary = page.locator('tr[data-model="claude-sonnet-4-5"]');
      await page.locator('tr[data-model="claude-sonnet-4-5"][data-breaker="open"][data-health="unhealthy"]').waitFor({ timeout: 5_000 });
      await page.locator('#log li[data-event="fallback"]').first().waitFor({ timeout: 5_000 });
      await page.locator('#log li[data-event="alert"]').first().waitFor({ timeout: 5_000 });
      expect(await primary.locator('.breaker').textContent()).toBe('open');

      // The reset timeout passes, the probe succeeds, the window forgets the failures.
      provider.script('claude-sonnet-4-5', [step.success({ latencyMs: 480 }), step.success({ latencyMs: 530 })]);
      await clock.advance(5_000);
      await calls(12, 1_000);
      await page.locator('tr[data-model="claude-sonnet-4-5"][data-breaker="closed"][data-health="healthy"]').waitFor({ timeout: 5_000 });
      await page.locator('#log li[data-event="breaker:close"]').first().waitFor({ timeout: 5_000 });
      expect(await page.locator('.gauge[data-scope="model:claude-sonnet-4-5"] .fill.near').count()).toBe(1);
      expect(await page.locator('#chart polyline').count()).toBeGreaterThan(0);

      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      const shot = join(ROOT, 'test-results', 'dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      mkdirSync(join(ROOT, 'docs', 'images'), { recursive: true });
      copyFileSync(shot, join(ROOT, 'docs', 'images', 'dashboard.png'));
    } finally {
      await page.close();
      await server.close();
    }
    // Closing the page's connection removed every listener the feed had added; only the glue's own remain.
    await vi.waitFor(() => expect(client.listenerCount()).toBe(glueListeners));
    expect(ownListeners()).toBe(0);
    expect(clock.pending()).toBe(0);
    client.dispose();
    monitor.dispose();
  });
});
