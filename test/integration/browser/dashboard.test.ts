import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDashboardServer } from '../../../src/dashboard/index.js';
import { ResilientClient } from '../../../src/index.js';
import { createFakeClock, createFakeProvider, step } from '../../../src/testing/index.js';
import { startDashboardDemo } from '../../../examples/demo.js';
import { PRIMARY, SECONDARY } from '../../../examples/demo/degrade-and-recover.js';
import { STREAM_MODEL } from '../../../examples/demo/streamed-overload.js';

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

describe('dashboard in headless Chromium', () => {
  it('shows a model going unhealthy with its breaker open, then recovering, and saves a screenshot', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock);
    const client = new ResilientClient({
      models: ['claude-sonnet-4-5', 'gpt-4.1'],
      clock,
      retry: false,
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 5_000 },
      // Short windows so that a scripted minute shows the whole incident.
      monitor: { windows: [10_000, 60_000], health: { windowMs: 10_000, minCalls: 3 }, anomaly: false },
      budget: { day: { maxTokens: 5_000 }, models: { 'claude-sonnet-4-5': { maxTokens: 1_000 } }, action: 'warn-only', defaultOutputTokens: 50 },
    });
    const before = client.listenerCount();
    const server = await startDashboardServer(client, { stream: { clock, snapshotEveryMs: 1_000, heartbeatMs: 15_000 }, title: 'llm-resilience demo' });
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
      await page.locator('.gauge .mark').first().waitFor({ timeout: 5_000 });
      expect(await page.locator('.gauge').count()).toBeGreaterThanOrEqual(2); // day and the primary's model budget
      expect(await page.locator('#chart polyline').count()).toBeGreaterThan(0);

      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      const shot = join(ROOT, 'test-results', 'dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
    } finally {
      await page.close();
      await server.close();
    }
    // Closing the page's connection removed every listener and timer the feed had added.
    await vi.waitFor(() => expect(client.listenerCount()).toBe(before));
    client.dispose();
  });
});

describe('npm run demo -- --dashboard in headless Chromium', () => {
  it('shows the whole story so far to a page opened midway, on one time base, and saves a screenshot', async () => {
    const lines: string[] = [];
    // 12× real time: the ~70 s story in about 6 s.
    const live = await startDashboardDemo({ speed: 12, write: (l) => lines.push(l) });
    const page = await browser.newPage();
    try {
      const played = live.play();
      // Open the page only once the outage is over and the budget section has begun.
      await vi.waitFor(() => expect(lines.some((l) => l.includes('5. Budget'))).toBe(true), { timeout: 15_000, interval: 50 });
      await page.goto(live.url);
      await page.locator('#conn.live').waitFor({ timeout: 5_000 });
      // History on connect: the first section's models, breaker and fallbacks, from before the page existed.
      await page.locator(`tr[data-model="${PRIMARY}"][data-breaker="closed"][data-health="healthy"]`).waitFor({ timeout: 5_000 });
      await page.locator(`tr[data-model="${SECONDARY}"]`).waitFor({ timeout: 5_000 });
      expect(await page.locator('#log li[data-event="breaker:open"]').count()).toBe(1);
      expect(await page.locator('#log li[data-event="fallback"]').count()).toBeGreaterThanOrEqual(4);
      expect(await page.locator('#chart polyline').count()).toBeGreaterThan(0);

      await played;
      // The rest arrived live: the budget's fallback and its gauges, the streamed model.
      await page.locator(`tr[data-model="${STREAM_MODEL}"]`).waitFor({ timeout: 5_000 });
      await page.locator(`#log li[data-event="budget:exceeded"]`).first().waitFor({ timeout: 5_000 });
      expect(await page.locator('.gauge').count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator('tr[data-model]').count()).toBe(5);
      // A recovered model is never shown flipping back to unhealthy.
      const health = await page.locator('#log li[data-event="health:change"]').allTextContents();
      const closedAt = health.findIndex((t) => t.includes(`${PRIMARY} degraded → healthy`));
      expect(closedAt).toBeGreaterThanOrEqual(0);
      expect(health.slice(0, closedAt).some((t) => t.includes(`${PRIMARY}`) && t.includes('→ unhealthy'))).toBe(false); // newest first
      // One time base: the header's "updated" and the newest event are moments apart, not a clock apart.
      await page.locator('#updated[data-t]').waitFor({ timeout: 5_000 });
      const updated = Number(await page.locator('#updated').getAttribute('data-t'));
      const newest = Number(await page.locator('#log li time').first().getAttribute('data-t'));
      expect(Math.abs(updated - newest)).toBeLessThan(30_000);
      expect(Math.abs(updated - Date.now())).toBeLessThan(120_000);

      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      const shot = join(ROOT, 'test-results', 'dashboard-demo.png');
      await page.screenshot({ path: shot, fullPage: true });
      // The docs' copy changes only when asked, so a test run leaves the tree clean.
      if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
        mkdirSync(join(ROOT, 'docs', 'images'), { recursive: true });
        copyFileSync(shot, join(ROOT, 'docs', 'images', 'dashboard.png'));
      }
    } finally {
      await page.close();
      await live.close();
    }
  });
});
