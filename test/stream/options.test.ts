import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/errors/errors.js';
import { validateStreamOptions } from '../../src/stream/options.js';
import { ensureIncludeUsage } from '../../src/stream/include-usage.js';

describe('stream options', () => {
  it('accepts the documented options', () => {
    expect(validateStreamOptions({ firstChunkTimeoutMs: 1000, stallTimeoutMs: 500, bufferMs: 0, bufferChunks: 3 })).toEqual({
      firstChunkTimeoutMs: 1000,
      stallTimeoutMs: 500,
      bufferMs: 0,
      bufferChunks: 3,
    });
  });

  it.each([
    [{ stallTimeoutMs: 0 }, 'stream.stallTimeoutMs: expected a positive number of milliseconds, received 0'],
    [{ firstChunkTimeoutMs: '5s' }, 'stream.firstChunkTimeoutMs: expected a positive number of milliseconds, received "5s"'],
    [{ bufferChunks: 1.5 }, 'stream.bufferChunks: expected a positive integer, received 1.5'],
    [{ bufferMs: -1 }, 'stream.bufferMs: expected a non-negative number of milliseconds, received -1'],
    [{ stalTimeoutMs: 10 }, 'stream.stalTimeoutMs: unknown option'],
  ])('rejects %j naming path, expectation and value', (input, message) => {
    let error: unknown;
    try {
      validateStreamOptions(input);
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain(message);
  });
});

describe('ensureIncludeUsage', () => {
  it('adds include_usage to a streaming chat request without mutating it', () => {
    const req = { model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }], stream: true as const, stream_options: { include_obfuscation: false } };
    const { request, added } = ensureIncludeUsage(req);
    expect(added).toBe(true);
    expect(request).toEqual({ ...req, stream_options: { include_obfuscation: false, include_usage: true } });
    expect(req.stream_options).toEqual({ include_obfuscation: false });
  });

  it.each([
    ['already set', { messages: [], stream: true, stream_options: { include_usage: true } }],
    ['explicitly false (respected)', { messages: [], stream: true, stream_options: { include_usage: false } }],
    ['not streaming', { messages: [], stream: false }],
    ['a Responses request', { input: 'hi', stream: true }],
    ['not an object', 'hi'],
  ])('leaves a request unchanged when %s', (_name, req) => {
    const { request, added } = ensureIncludeUsage(req);
    expect(added).toBe(false);
    expect(request).toBe(req);
  });
});
