// The hedging page's configuration, run on the fake clock.
import { describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

describe('hedging page', () => {
  it('the documented client hedges a hanging first model with the second after the maximum auto delay', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({
      models: ['claude-sonnet-4-6', 'gpt-4.1'],
      hedge: { delayMs: 'auto', maxShare: 0.1 },
      clock, // in tests, the fake clock; leave it out in production
    });
    const p = client.run(({ model, signal }) =>
      model === 'gpt-4.1' ? { model } : new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    await clock.advance(10_000); // no history yet: 'auto' waits its maximum
    await expect(p).resolves.toEqual({ model: 'gpt-4.1' });
    client.dispose();
  });
});
