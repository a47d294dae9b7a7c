import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/classify/classify.js';
import { ResilientClient } from '../../src/index.js';
import { wrapOpenAI } from '../../src/providers/openai.js';
import { createFakeClock } from '../../src/testing/index.js';

// openai 7 classes do not set `name`: it stays 'Error', the constructor keeps the real one.
class APIConnectionError extends Error {
  readonly status = undefined;
  constructor(cause: unknown) {
    super('Connection error.', { cause });
  }
}

describe('bad input reaching the adapters', () => {
  it.each<[string, () => unknown, string]>([
    ['openai APIConnectionError (name "Error")', () => new APIConnectionError(new TypeError('fetch failed')), 'network'],
    ['SDK error without status, undici cause', () => Object.assign(new Error('Connection error.'), { cause: new TypeError('terminated') }), 'network'],
    ['a thrown string', () => 'boom', 'unknown'],
    ['a thrown number', () => 42, 'unknown'],
    ['null', () => null, 'unknown'],
    ['an object with a throwing getter', () => Object.defineProperty({}, 'status', { get: () => { throw new Error('x'); } }), 'unknown'],
    ['malformed retry-after on a 429', () => Object.assign(new Error('429'), { status: 429, headers: new Headers({ 'retry-after': 'soon' }) }), 'rate_limit'],
  ])('%s → %s', (_label, error, kind) => {
    expect(classifyError(error(), 0).kind).toBe(kind);
  });

  it('a non-Error thrown by the SDK call comes back as it is, once', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['a', 'b'], clock });
    let calls = 0;
    const fake = {
      chat: {
        completions: {
          create: (_body: unknown) => {
            calls++;
            // Lazy like the SDK's APIPromise: nothing rejects until someone asks.
            // biome-ignore lint/suspicious/noThenProperty: a stand-in for the SDK's thenable APIPromise
            return { then: (ok: never, ko: never) => Promise.reject('boom').then(ok, ko), withResponse: () => Promise.reject('boom') };
          },
        },
      },
    };
    const wrapped = wrapOpenAI(fake, client);
    await expect(wrapped.chat.completions.create({ model: 'a' } as never)).rejects.toBe('boom');
    expect(calls).toBe(1);
  });

  it('a create() that is not an APIPromise still works (no headers to read)', async () => {
    const client = new ResilientClient({ models: ['a'], clock: createFakeClock() });
    const fake = { chat: { completions: { create: async (body: { model: string }) => ({ model: body.model }) } } };
    const wrapped = wrapOpenAI(fake as never, client) as unknown as typeof fake;
    await expect(wrapped.chat.completions.create({ model: 'a' })).resolves.toEqual({ model: 'a' });
  });

  it('adapter options are validated with the path named', () => {
    expect(() => wrapOpenAI({ chat: { completions: { create: () => Promise.resolve() } } } as never, { models: ['a'] }, { onRateLimit: 3 } as never)).toThrow(
      'wrapOpenAI.onRateLimit: expected a function (model, info) => void, received 3',
    );
  });
});
