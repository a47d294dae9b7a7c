import { afterEach, describe, expect, it, vi } from 'vitest';

// Serverless agents import the package on every cold start: importing it must
// construct no zod schema (each costs time, the first one most); a client
// builds the ones it validates when it is constructed.
const built: string[] = [];

vi.mock('zod', async (importOriginal) => {
  const actual = await importOriginal<typeof import('zod')>();
  const counted = new Proxy(actual.z, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string' || /^[A-Z$]/.test(key)) return value;
      return (...args: unknown[]) => {
        built.push(key);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { ...actual, z: counted };
});

afterEach(() => {
  built.length = 0;
  vi.resetModules();
});

describe('importing the package', () => {
  it('builds no option schema until a client is constructed', async () => {
    const lib = await import('../../src/index.js');
    expect(built).toEqual([]);
    new lib.ResilientClient({ models: ['gpt-4o'], monitor: false });
    expect(built.length).toBeGreaterThan(0);
  });

  it('validates exactly as before once the schemas exist', async () => {
    const lib = await import('../../src/index.js');
    expect(() => new lib.ResilientClient({ models: ['gpt-4o'], stream: { resume: { maxResumes: 11 } } })).toThrow(/stream\.resume\.maxResumes: expected at most 10, received 11/);
    expect(() => new lib.ResilientClient({ models: ['gpt-4o'], retry: { maxRetries: -1 } })).toThrow(/retry\.maxRetries: expected a non-negative integer, received -1/);
  });
});
