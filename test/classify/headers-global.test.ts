import { afterEach, describe, expect, it, vi } from 'vitest';

// In Node the global `Headers` is a lazy getter: reading it loads fetch's implementation, about
// 25 ms of CPU. Importing the package must not read it; parsing a fetch Headers may.
const original = Object.getOwnPropertyDescriptor(globalThis, 'Headers')!;

afterEach(() => {
  Object.defineProperty(globalThis, 'Headers', original);
});

describe('the global Headers', () => {
  it('is not read by importing the package, only by parsing headers that have a get method', async () => {
    const real = globalThis.Headers;
    let reads = 0;
    Object.defineProperty(globalThis, 'Headers', {
      configurable: true,
      get() {
        reads++;
        return real;
      },
    });
    vi.resetModules();
    const lib = await import('../../src/index.js');
    expect(reads).toBe(0);

    const reading = lib.parseRateLimitHeaders(new real({ 'x-ratelimit-remaining-requests': '7' }), 0);
    expect(reading?.requests?.remaining).toBe(7);
    expect(reads).toBe(1);
    lib.parseRateLimitHeaders(new real({ 'x-ratelimit-remaining-requests': '8' }), 0);
    expect(reads).toBe(1);
  });
});
