import { afterEach, describe, expect, it, vi } from 'vitest';

// Serverless agents import the package on every cold start: importing it must
// construct no zod schema (each costs time, the first one most); a client
// builds the ones it validates when it is constructed.
const built: string[] = [];

vi.mock('../../src/options/zod.js', async (importOriginal) => {
  const actual = await importOriginal<Record<string, unknown>>();
  const counted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(actual)) {
    counted[key] =
      typeof value !== 'function' || /^[A-Z$]/.test(key)
        ? value
        : (...args: unknown[]) => {
            built.push(key);
            return (value as (...a: unknown[]) => unknown)(...args);
          };
  }
  return counted;
});

// The main entry builds its schemas on zod's core only: loading zod's
// functional API (`zod/mini`, nine more files) or its classic one as well
// would cost their imports again (about 7 ms of CPU for the first).
let classicLoaded = false;
let miniLoaded = false;
vi.mock('zod', async (importOriginal) => {
  classicLoaded = true;
  return importOriginal();
});
vi.mock('zod/mini', async (importOriginal) => {
  miniLoaded = true;
  return importOriginal();
});

afterEach(() => {
  built.length = 0;
  vi.resetModules();
});

describe('importing the package', () => {
  it('builds no option schema until a client is constructed', async () => {
    const lib = await import('../../src/index.js');
    expect(built).toEqual([]);
    new lib.ResilientClient({ models: ['gpt-4o'], breaker: { volumeThreshold: 5 } }).dispose();
    expect(built.length).toBeGreaterThan(0);
  });

  it("loads zod's core only, neither its functional API nor its classic one", async () => {
    const lib = await import('../../src/index.js');
    new lib.ResilientClient({ models: [{ model: 'gpt-4o', provider: 'openai' }], retry: { maxRetries: 2 }, budget: { day: { maxCostUsd: 20 } }, stream: { resume: true } }).dispose();
    expect(classicLoaded).toBe(false);
    expect(miniLoaded).toBe(false);
  });

  it('validates exactly as before once the schemas exist', async () => {
    const lib = await import('../../src/index.js');
    expect(() => new lib.ResilientClient({ models: ['gpt-4o'], stream: { resume: { maxResumes: 11 } } })).toThrow(/stream\.resume\.maxResumes: expected at most 10, received 11/);
    expect(() => new lib.ResilientClient({ models: ['gpt-4o'], retry: { maxRetries: -1 } })).toThrow(/retry\.maxRetries: expected a non-negative integer, received -1/);
  });

  it('a first client builds the schemas of the options it sets, not all of them, and none for plain model names', async () => {
    const firstClientBuilds = async (options: object): Promise<number> => {
      built.length = 0;
      vi.resetModules();
      const lib = await import('../../src/index.js');
      new lib.ResilientClient(options as never).dispose();
      return built.length;
    };
    const full = { models: [{ model: 'gpt-4o', provider: 'openai' }], retry: { maxRetries: 2 }, breaker: { volumeThreshold: 5 }, budget: { day: { maxCostUsd: 20 } }, monitor: { windows: [60_000] }, stream: { resume: true }, limits: { maxQueue: 10 } };
    expect(await firstClientBuilds({ models: ['gpt-4o', 'gpt-4o-mini'] })).toBe(0);
    expect(await firstClientBuilds({ models: ['gpt-4o'], monitor: false, hedge: false, timeoutMs: undefined })).toBe(0);
    expect(await firstClientBuilds({ models: ['gpt-4.1', 'gpt-4.1-mini'], retry: { maxRetries: 3 } })).toBe(0); // the README's quick start
    const breakerOnly = await firstClientBuilds({ models: ['gpt-4o'], breaker: { volumeThreshold: 5 } });
    expect(breakerOnly).toBeGreaterThan(0);
    expect(breakerOnly * 3).toBeLessThan(await firstClientBuilds(full));
  });

  it('still knows every option name when a client sets few', async () => {
    const lib = await import('../../src/index.js');
    expect(() => new lib.ResilientClient({ models: ['gpt-4o'], retyr: {} } as never)).toThrow(/retyr: unknown option, did you mean `retry`\?/);
    expect(() => new lib.ResilientClient({} as never)).toThrow(/models: expected a non-empty array/);
    expect(() => new lib.ResilientClient({ models: ['gpt-4o'], monitor: undefined, budget: undefined }).dispose()).not.toThrow();
  });
});
