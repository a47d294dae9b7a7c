import { describe, expect, it } from 'vitest';
import { type ConfigError, ResilientClient, isConfigError, type RunOptions } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

const KEY = 'sk-ant-api03-Zq8Xw7Vu6Ts5Rr4Qp3';
const client = () => new ResilientClient({ models: ['m'], clock: createFakeClock(), monitor: false });

async function configError(options: unknown): Promise<ConfigError> {
  let called = false;
  const err = await client()
    .run(() => {
      called = true;
      return 'ok';
    }, options as RunOptions)
    .catch((e: unknown) => e);
  expect(isConfigError(err)).toBe(true);
  expect(called).toBe(false);
  return err as ConfigError;
}

describe('run options: one redaction path', () => {
  it.each([
    ['timeoutMs', { timeoutMs: KEY }],
    ['taskId', { taskId: { key: KEY } }],
    ['estimate.inputTokens', { estimate: { inputTokens: `Bearer ${KEY}` } }],
    ['models', { models: KEY }],
    ['signal', { signal: KEY }],
    ['usage', { usage: `Bearer ${KEY}` }],
  ])('%s: names the option and never echoes a credential', async (path, options) => {
    const err = await configError(options);
    expect(err.issues[0]!.path).toBe(`run.${path}`);
    expect(err.message).not.toContain('Zq8Xw7');
    expect(JSON.stringify(err.issues)).not.toContain('Zq8Xw7');
  });

  it('echoes an ordinary bad value like the constructor does', async () => {
    const err = await configError({ timeoutMs: -5 });
    expect(err.issues[0]).toEqual({ path: 'run.timeoutMs', message: 'expected a positive number of milliseconds, received -5' });
  });
});

describe('run options: unknown keys and unreadable values', () => {
  it('refuses an unknown key instead of silently ignoring it, with a suggestion when close', async () => {
    const err = await configError({ timeout: 5_000 });
    expect(err.issues).toEqual([{ path: 'run.timeout', message: 'unknown option, did you mean `timeoutMs`?' }]);
    expect((await configError({ taskid: 'a' })).issues[0]!.message).toBe('unknown option, did you mean `taskId`?');
    expect((await configError({ sginal: undefined })).issues[0]!.message).toBe('unknown option, did you mean `signal`?');
    expect((await configError({ zzzzzz: 1 })).issues[0]!.message).toBe('unknown option');
  });

  it('refuses an unknown key inside hedge, which would otherwise hedge with the client delay', async () => {
    expect((await configError({ hedge: { delay: 500 } })).issues).toEqual([{ path: 'run.hedge.delay', message: 'unknown option, did you mean `delayMs`?' }]);
    expect((await configError({ hedge: { delayMs: 500, [KEY]: 1 } })).message).not.toContain('Zq8Xw7');
  });

  it('names an unknown key redacted, never its value', async () => {
    const err = await configError({ [KEY]: KEY });
    expect(err.message).not.toContain('Zq8Xw7');
  });

  it('turns a throwing getter into a ConfigError naming its path', async () => {
    const top = await configError({
      get timeoutMs(): number {
        throw new Error('boom');
      },
    });
    expect(top.issues[0]!.path).toBe('run.timeoutMs');
    const nested = await configError({
      estimate: {
        get inputTokens(): number {
          throw new Error('boom');
        },
      },
    });
    expect(nested.issues[0]!.path).toBe('run.estimate.inputTokens');
  });

  it('refuses run options that are not an object', async () => {
    expect((await configError('fast')).issues[0]!.path).toBe('run');
  });

  it('accepts every documented key', async () => {
    const out = await client().run(() => 'ok', {
      models: ['m'],
      taskId: 't',
      signal: new AbortController().signal,
      timeoutMs: 1_000,
      request: {},
      estimate: { inputTokens: 1 },
      usage: () => undefined,
      stream: {},
    });
    expect(out).toBe('ok');
  });
});
