import { describe, expect, it, vi } from 'vitest';

// The bus keeps its own listener lists (decision 0059): importing the package,
// making a client and listening to it load no emitter package, and so start
// no CommonJS loader on an ES module import.
let emitterLoaded = false;
vi.mock('eventemitter3', async (importOriginal) => {
  emitterLoaded = true;
  return importOriginal();
});

describe('the event bus', () => {
  it('loads no emitter package, from the import to a listened event', async () => {
    const lib = await import('../../src/index.js');
    const client = new lib.ResilientClient({ models: ['gpt-4o'] });
    const seen: string[] = [];
    client.on('success', (e) => void seen.push(e.model));
    await client.run(async () => 'ok');
    client.dispose();
    expect(seen).toEqual(['gpt-4o']);
    expect(emitterLoaded).toBe(false);
  });
});
