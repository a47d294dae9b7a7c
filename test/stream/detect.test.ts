import { describe, expect, it } from 'vitest';
import { isPreamble, isStreamResult, streamKind } from '../../src/stream/detect.js';
import { FakeSdkStream } from './scripted.js';

describe('isStreamResult', () => {
  async function* gen() {
    yield 1;
  }
  it.each([
    ['an SDK Stream (async iterable with controller)', new FakeSdkStream(), 'sdk-stream'],
    ['an async generator', gen(), 'async-iterable'],
    ['an async iterable object', { [Symbol.asyncIterator]: () => gen() }, 'async-iterable'],
    ['a ReadableStream', new ReadableStream(), 'readable-stream'],
    ['an AI SDK doStream result', { stream: new ReadableStream(), request: { body: '{}' }, response: { headers: {} } }, 'ai-sdk'],
  ])('detects %s', (_name, value, kind) => {
    expect(streamKind(value)).toBe(kind);
    expect(isStreamResult(value)).toBe(true);
  });

  it.each([
    ['a chat completion', { id: 'x', choices: [{ message: { content: 'hi' } }], usage: { prompt_tokens: 1 } }],
    ['an array', [1, 2]],
    ['a string', 'data: {}'],
    ['null', null],
    ['a number', 3],
    ['a request-like object with stream: true', { stream: true, messages: [] }],
    ['a sync iterable', new Set([1])],
    ['a function', () => 1],
    ['a promise', Promise.resolve(1)],
  ])('does not take %s for a stream', (_name, value) => {
    expect(isStreamResult(value)).toBe(false);
  });
});

describe('isPreamble', () => {
  it.each([
    [{ type: 'message_start', message: {} }, true],
    [{ type: 'content_block_start', content_block: { type: 'text', text: '' } }, true],
    [{ type: 'content_block_delta', delta: { text: 'x' } }, false],
    [{ type: 'response.created' }, true],
    [{ type: 'response.output_text.delta', delta: 'x' }, false],
    [{ type: 'stream-start', warnings: [] }, true],
    [{ type: 'text-delta', delta: 'x' }, false],
    [{ choices: [{ delta: { role: 'assistant', content: '' } }] }, true],
    [{ choices: [{ delta: { content: 'x' } }] }, false],
    [{ choices: [{ delta: { tool_calls: [{ index: 0 }] } }] }, false],
    [{ choices: [{ delta: {}, finish_reason: 'stop' }] }, false],
    [{ choices: [], usage: { prompt_tokens: 1 } }, false],
    ['text', false],
  ])('%j → %s', (chunk, expected) => {
    expect(isPreamble(chunk)).toBe(expected);
  });
});
