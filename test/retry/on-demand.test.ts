import { describe, expect, it, vi } from 'vitest';

// A cold start pays for the retry loop's package only when a call first fails:
// importing the package and calls that succeed never load it.
let loads = 0;

vi.mock('p-retry', async (importOriginal) => {
  loads++;
  // The load takes real time, as on a cold disk: longer than the fake clock's own settling.
  await new Promise((resolve) => setTimeout(resolve, 40));
  return importOriginal<typeof import('p-retry')>();
});

describe('the retry loop is loaded on first need', () => {
  it('not by the import or a success; the first failure loads it, and a fake clock waits for the load', async () => {
    const lib = await import('../../src/index.js');
    const testing = await import('../../src/testing/index.js');
    const clock = testing.createFakeClock();
    const provider = testing.createFakeProvider(clock, { primary: [testing.step.success(), testing.step.serverError(503), testing.step.success()] });
    const client = new lib.ResilientClient({ models: ['primary'], clock, random: () => 0.5, breaker: false, retry: { initialDelayMs: 100, jitter: 'none' } });

    await client.run(provider.call);
    expect(loads).toBe(0);

    let settled = false;
    const second = client.run(provider.call).finally(() => (settled = true));
    await clock.advance(100);
    // The retry ran within the advance, though loading its package took longer in real time than settling does.
    expect(settled).toBe(true);
    await expect(second).resolves.toMatchObject({ model: 'primary' });
    expect(provider.calls).toHaveLength(3);
    expect(loads).toBe(1);
    client.dispose();
  });
});
