// The quick starts are what most users copy: their breaker options must bring calls
// back to the primary soon after an incident ends (within 30 s in the replayed incidents).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ResilientClient, type BreakerOptions } from '../../src/index.js';
import { createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The `breaker` options the example passes to `new ResilientClient` ({} when it sets none). */
function breakerOptionsOf(file: string): BreakerOptions {
  const source = readFileSync(`${root}/${file}`, 'utf8');
  const options = /new ResilientClient\(\{([\s\S]*?)\n\}\);/.exec(source);
  expect(options, `${file}: new ResilientClient({ … })`).not.toBeNull();
  const breaker = /breaker:\s*(\{[^}]*\})/.exec(options![1]!);
  return breaker ? (new Function(`return (${breaker[1]!.replace(/_/g, '')});`)() as BreakerOptions) : {};
}

/**
 * A primary that answers 503 until just after one of its half-open probes failed
 * (the worst moment for an incident to end), then recovers: how long until a call is
 * served by it again, with one call a second.
 */
async function backToPrimaryMs(breaker: BreakerOptions): Promise<number> {
  const clock = createFakeClock();
  const provider = createFakeProvider(clock, { primary: [step.serverError(503)] });
  const client = new ResilientClient({ models: ['primary', 'secondary'], retry: { maxRetries: 3 }, breaker, clock, random: () => 0.5 });
  const start = clock.now();
  let endedAt: number | undefined;
  try {
    for (let s = 0; s < 300; s++) {
      const before = provider.callsTo('primary').length;
      const answer = await client.run(provider.call);
      const primaryCalls = provider.callsTo('primary');
      if (endedAt === undefined && clock.now() - start >= 120_000 && primaryCalls.length > before) {
        endedAt = clock.now(); // a probe has just failed: the incident ends now
        provider.script('primary', [step.success()]);
      } else if (endedAt !== undefined && answer.model === 'primary') return clock.now() - endedAt;
      await clock.advance(1_000);
    }
    throw new Error('never back on the primary');
  } finally {
    client.dispose();
  }
}

describe('the quick starts', () => {
  it.each(['examples/quickstart-openai.ts', 'examples/quickstart-anthropic.ts'])('%s: back on the primary within 21 s of an incident that ends right after a failed probe', async (file) => {
    const ms = await backToPrimaryMs(breakerOptionsOf(file));
    expect(ms).toBeLessThanOrEqual(21_000);
  });

  it('a 30-s open period (the quick starts before) waits 30 s, the defaults 20 s', async () => {
    expect(await backToPrimaryMs({ resetTimeoutMs: 30_000 })).toBe(30_000);
    expect(await backToPrimaryMs({})).toBe(20_000);
  });
});

describe('the quick start the incident replay measures', () => {
  it.each(['examples/quickstart-openai.ts', 'examples/quickstart-anthropic.ts'])('%s: the same options and the same caller patience as the replay', async (file) => {
    const { CALL_DEADLINE_MS } = await import('../../bench/incidents/workload.js');
    const source = readFileSync(`${root}/${file}`, 'utf8');
    const contender = readFileSync(`${root}/bench/incidents/contenders.ts`, 'utf8');
    // The replay's quick start: the README's client options, and the task's deadline as the run's signal.
    expect(/new ResilientClient\(\{\s*models: \[[^\]]*\],[^\n]*\n\s*retry: \{ maxRetries: 3 \},\n\}\);/.test(source), file).toBe(true);
    expect(source).toContain(`{ signal: AbortSignal.timeout(${CALL_DEADLINE_MS.toLocaleString('en').replace(/,/g, '_')}) }`);
    expect(contender).toMatch(/retry: \{ maxRetries: 3 \}, clock: env\.sim\.clock \};[\s\S]*client\.run\(\(\{ model, signal: s \}\) => t\.create\(model, r, s\), \{ signal \}\)/);
  });
});
