import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { isTimeoutError } from '../../src/errors/errors.js';
import { isStreamInterruptedError } from '../../src/stream/errors.js';
import { type PrimeOptions, type StreamSummary, primeStream } from '../../src/stream/prime.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { FakeAPIError } from '../../src/testing/fake-provider.js';
import { FakeSdkStream, drain, scriptedIterable } from './scripted.js';

const text = (t: string) => ({ choices: [{ index: 0, delta: { content: t } }] });
const roleChunk = { choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] };

function setup(extra: Partial<PrimeOptions> = {}) {
  const clock = createFakeClock();
  const controller = new AbortController();
  const ends: StreamSummary[] = [];
  const errors: unknown[] = [];
  const commits: unknown[] = [];
  const abort = vi.fn((reason: unknown) => controller.abort(reason));
  const options: PrimeOptions = {
    clock,
    model: 'm1',
    signal: controller.signal,
    abort,
    onCommit: (i) => commits.push(i),
    onEnd: (s) => ends.push(s),
    onError: (e) => errors.push(e),
    ...extra,
  };
  return { clock, controller, ends, errors, commits, abort, options };
}

describe('primeStream before the commit', () => {
  it('rejects with the provider error when an error event comes first, untouched', async () => {
    const { options, ends, abort, clock, controller } = setup({ stallTimeoutMs: 1000, firstChunkTimeoutMs: 5000 });
    const { iterable, it: src } = scriptedIterable();
    const overloaded = new FakeAPIError(undefined, 'Overloaded', { type: 'overloaded_error' });
    src.fail(overloaded);
    await expect(primeStream(iterable, options)).rejects.toBe(overloaded);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'failed', committed: false, chunks: 0 })]);
    expect(abort).not.toHaveBeenCalled();
    expect(clock.pending()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('holds preamble events back, so an error after message_start is still a failed attempt', async () => {
    const { options, ends } = setup();
    const { iterable, it: src } = scriptedIterable();
    const err = new FakeAPIError(undefined, 'Overloaded', { type: 'overloaded_error' });
    src.push({ type: 'message_start', message: { usage: { input_tokens: 5, output_tokens: 1 } } }, { type: 'ping' }).fail(err);
    await expect(primeStream(iterable, options)).rejects.toBe(err);
    expect(ends[0]).toMatchObject({ committed: false, outcome: 'failed', usage: { inputTokens: 5 } });
  });

  it('times out a slow first token on the clock, aborts the request and leaves no timer', async () => {
    const { options, clock, abort, ends, controller } = setup({ firstChunkTimeoutMs: 2000 });
    const { iterable, it: src } = scriptedIterable();
    src.push(roleChunk); // a preamble chunk does not count as the first token
    const p = primeStream(iterable, options);
    const settled = vi.fn();
    p.then(settled, settled);
    await clock.advance(1999);
    expect(settled).not.toHaveBeenCalled();
    await clock.advance(1);
    const error = await p.catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
    expect((error as Error).message).toBe('First chunk on model "m1" timed out after 2000 ms');
    expect(abort).toHaveBeenCalledWith(error);
    expect(controller.signal.aborted).toBe(true);
    expect(src.returned).toBe(1);
    expect(ends[0]).toMatchObject({ outcome: 'failed', committed: false });
    expect(clock.pending()).toBe(0);
  });

  it('counts the first-chunk timeout from startedAt (the attempt start)', async () => {
    const { options, clock } = setup({ firstChunkTimeoutMs: 2000 });
    const startedAt = clock.now();
    await clock.advance(1500); // time spent waiting for headers
    const { iterable } = scriptedIterable();
    const p = primeStream(iterable, { ...options, startedAt });
    const settled = vi.fn();
    p.then(settled, settled);
    await clock.advance(499);
    expect(settled).not.toHaveBeenCalled();
    await clock.advance(1);
    await expect(p).rejects.toMatchObject({ code: 'TIMEOUT', timeoutMs: 2000 });
  });

  it('rejects with the abort reason when the signal aborts before the first chunk', async () => {
    const { options, controller, ends, abort } = setup();
    const { iterable } = scriptedIterable();
    const p = primeStream(iterable, options);
    const reason = new DOMException('caller gave up', 'AbortError');
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(ends[0]).toMatchObject({ outcome: 'aborted', committed: false });
    expect(abort).not.toHaveBeenCalled();
  });

  it('with bufferChunks, an error inside the buffer is still a failed attempt', async () => {
    const { options } = setup({ bufferChunks: 3 });
    const { iterable, it: src } = scriptedIterable();
    const dropped = new TypeError('terminated');
    src.push(text('a'), text('b')).fail(dropped);
    await expect(primeStream(iterable, options)).rejects.toBe(dropped);
  });

  it('with bufferMs, commits when the window closes and delivers everything held', async () => {
    const { options, clock, commits } = setup({ bufferMs: 300 });
    const { iterable, it: src } = scriptedIterable();
    src.push(text('a'));
    const p = primeStream(iterable, options);
    await clock.advance(100);
    src.push(text('b'));
    await clock.advance(100);
    expect(commits).toHaveLength(0);
    await clock.advance(100);
    const primed = await p;
    expect(primed.commit).toMatchObject({ bufferedChunks: 2, ttftMs: 0 });
    src.push(text('c')).end();
    expect((await drain(primed.value)).chunks).toEqual([text('a'), text('b'), text('c')]);
  });

  it('commits a stream that ends inside the buffer, with every chunk', async () => {
    const { options, ends } = setup({ bufferChunks: 10 });
    const { iterable, it: src } = scriptedIterable();
    src.push(text('a'), text('b')).end();
    const primed = await primeStream(iterable, options);
    expect((await drain(primed.value)).chunks).toHaveLength(2);
    expect(ends[0]).toMatchObject({ outcome: 'complete', committed: true, chunks: 2 });
  });
});

describe('primeStream after the commit', () => {
  it('iterates exactly the original chunks and reports TTFT and duration', async () => {
    const { options, clock, commits, ends } = setup({ stallTimeoutMs: 1000 });
    const startedAt = clock.now();
    const { iterable, it: src } = scriptedIterable();
    const p = primeStream(iterable, { ...options, startedAt });
    await clock.advance(250);
    src.push(roleChunk);
    await clock.advance(50);
    src.push(text('Hel'));
    const primed = await p;
    expect(commits).toEqual([{ ttftMs: 300, bufferedChunks: 2, committedAt: startedAt + 300 }]);
    const seen: unknown[] = [];
    for await (const c of primed.value) {
      seen.push(c);
      if (seen.length === 2) src.push(text('lo'));
      if (seen.length === 3) {
        await clock.advance(400);
        src.end();
      }
    }
    expect(seen).toEqual([roleChunk, text('Hel'), text('lo')]);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'complete', committed: true, chunks: 3, ttftMs: 300, durationMs: 700 })]);
    expect(clock.pending()).toBe(0);
  });

  it('turns a stall into StreamInterruptedError with counts only, and aborts the request', async () => {
    const { options, clock, errors, ends, abort } = setup({ stallTimeoutMs: 1000 });
    const { iterable, it: src } = scriptedIterable();
    src.push(text('secret completion text'), text('more'));
    const primed = await primeStream(iterable, options);
    const out = drain(primed.value);
    await clock.advance(999);
    expect(errors).toHaveLength(0);
    await clock.advance(1);
    const { chunks, error } = await out;
    expect(chunks).toHaveLength(2);
    expect(isStreamInterruptedError(error)).toBe(true);
    const e = error as import('../../src/stream/errors.js').StreamInterruptedError;
    expect(e).toMatchObject({ code: 'STREAM_INTERRUPTED', name: 'StreamInterruptedError', reason: 'timeout', chunks: 2, model: 'm1' });
    expect(e.message).not.toContain('secret');
    expect(isTimeoutError(e.cause)).toBe(true);
    expect(abort).toHaveBeenCalledWith(e.cause);
    expect(errors).toEqual([e]);
    expect(ends[0]).toMatchObject({ outcome: 'failed', committed: true, chunks: 2 });
    expect(src.returned).toBe(1);
    expect(clock.pending()).toBe(0);
  });

  it('never takes a slow reader for a stalled provider', async () => {
    const { options, clock, ends } = setup({ stallTimeoutMs: 1000 });
    const { iterable, it: src } = scriptedIterable();
    src.push(text('a'), text('b'));
    const primed = await primeStream(iterable, options);
    const iter = primed.value[Symbol.asyncIterator]();
    await iter.next();
    await clock.advance(5000); // the reader is busy; nothing is pending on the provider
    expect(clock.pending()).toBe(1); // only the idle limit (5 min), no stall timer
    expect(await iter.next()).toEqual({ value: text('b'), done: false });
    src.end();
    expect(await iter.next()).toMatchObject({ done: true });
    expect(ends[0]?.outcome).toBe('complete');
  });

  it('surfaces a mid-stream provider error as StreamInterruptedError with the original in cause', async () => {
    const { options, errors, abort } = setup();
    const { iterable, it: src } = scriptedIterable();
    const dropped = new TypeError('terminated');
    src.push(text('a')).fail(dropped);
    const primed = await primeStream(iterable, options);
    const { chunks, error } = await drain(primed.value);
    expect(chunks).toEqual([text('a')]);
    expect(error).toMatchObject({ code: 'STREAM_INTERRUPTED', reason: 'network', chunks: 1 });
    // The original, seen through the credential mask: same class, same fields.
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect((error as Error).cause).toMatchObject({ message: dropped.message });
    expect(errors).toHaveLength(1);
    expect(abort).not.toHaveBeenCalled();
  });

  it('classifies an error event after the commit by its type', async () => {
    const { options } = setup();
    const { iterable, it: src } = scriptedIterable();
    src.push(text('a')).fail(new FakeAPIError(undefined, 'Overloaded', { type: 'overloaded_error' }));
    const primed = await primeStream(iterable, options);
    expect((await drain(primed.value)).error).toMatchObject({ reason: 'overloaded', message: 'Stream from model "m1" was interrupted after 1 chunk (provider error: overloaded)' });
  });

  it('a break out of the loop ends as abandoned, releases the source and leaves nothing behind', async () => {
    const { options, clock, ends, errors, controller, abort } = setup({ stallTimeoutMs: 1000 });
    const { iterable, it: src } = scriptedIterable();
    src.push(text('a'), text('b'), text('c'));
    const primed = await primeStream(iterable, options);
    for await (const c of primed.value) {
      if (c) break;
    }
    expect(ends).toEqual([expect.objectContaining({ outcome: 'abandoned', chunks: 1 })]);
    expect(errors).toHaveLength(0);
    expect(src.returned).toBe(1);
    expect(abort).toHaveBeenCalledTimes(1);
    expect(clock.pending()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(await primed.ended).toBe(ends[0]);
  });

  it('return() while a read is pending settles that read and clears its stall timer', async () => {
    const { options, clock, ends, controller } = setup({ stallTimeoutMs: 1000 });
    const { iterable, it: src } = scriptedIterable();
    src.push(text('a'));
    const primed = await primeStream(iterable, options);
    const iter = primed.value[Symbol.asyncIterator]();
    await iter.next();
    const pending = iter.next();
    await clock.flush();
    expect(clock.pending()).toBe(2); // the stall timer of the pending read, and the idle limit
    await iter.return!();
    expect(await pending).toMatchObject({ done: true });
    expect(ends.map((e) => e.outcome)).toEqual(['abandoned']);
    expect(clock.pending()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a caller abort mid-stream ends iteration quietly and is not a failure', async () => {
    const { options, clock, ends, errors, controller } = setup({ stallTimeoutMs: 1000 });
    const { iterable, it: src } = scriptedIterable();
    src.push(text('a'));
    const primed = await primeStream(iterable, options);
    const out = drain(primed.value);
    await clock.flush();
    expect(src.waiting).toBe(true);
    controller.abort(new DOMException('stop', 'AbortError'));
    const { chunks, error } = await out;
    expect(chunks).toEqual([text('a')]);
    expect(error).toBeUndefined();
    expect(errors).toHaveLength(0);
    expect(ends[0]).toMatchObject({ outcome: 'aborted', committed: true });
    expect(clock.pending()).toBe(0);
  });

  it('an abort while the caller is between reads ends the stream at once', async () => {
    const { options, ends, controller } = setup();
    const { iterable, it: src } = scriptedIterable();
    src.push(text('a'), text('b'));
    const primed = await primeStream(iterable, options);
    controller.abort();
    expect(ends[0]?.outcome).toBe('aborted');
    expect(src.returned).toBe(1);
    expect((await drain(primed.value)).chunks).toEqual([]);
  });

  it('a throwing hook never breaks the stream', async () => {
    const boom = () => {
      throw new Error('listener bug');
    };
    const { options } = setup({ onCommit: boom, onChunk: boom, onEnd: boom });
    const { iterable, it: src } = scriptedIterable();
    src.push(text('a')).end();
    const primed = await primeStream(iterable, options);
    expect((await drain(primed.value)).chunks).toEqual([text('a')]);
  });
});

describe('what the caller gets back', () => {
  it('an SDK Stream keeps its class, controller and private-field methods; iteration is ours', async () => {
    const { options, ends } = setup();
    const stream = new FakeSdkStream();
    stream.it.push(text('a'), text('b')).end();
    const primed = await primeStream(stream, options);
    expect(primed.kind).toBe('sdk-stream');
    expect(primed.value).toBeInstanceOf(FakeSdkStream);
    expect(primed.value.controller).toBe(stream.controller);
    expect(primed.value.privateThing()).toBe('private-field-ok');
    expect((await drain(primed.value)).chunks).toEqual([text('a'), text('b')]);
    expect(ends[0]?.outcome).toBe('complete');
    await expect(primed.value[Symbol.asyncIterator]().next()).rejects.toThrow(/consumed/);
  });

  it('a stall on an SDK Stream also aborts its own controller', async () => {
    const { options, clock } = setup({ stallTimeoutMs: 100 });
    const stream = new FakeSdkStream();
    stream.it.push(text('a'));
    const primed = await primeStream(stream, options);
    const out = drain(primed.value);
    await clock.advance(100);
    expect((await out).error).toMatchObject({ reason: 'timeout' });
    expect(stream.controller.signal.aborted).toBe(true);
  });

  it('an async generator comes back as an iterator', async () => {
    const { options } = setup();
    async function* gen() {
      yield text('a');
      yield text('b');
    }
    const primed = await primeStream(gen(), options);
    expect(primed.kind).toBe('async-iterable');
    expect(typeof primed.value.next).toBe('function');
    expect((await drain(primed.value)).chunks).toEqual([text('a'), text('b')]);
  });

  it('a ReadableStream comes back as a ReadableStream', async () => {
    const { options, ends } = setup();
    const rs = new ReadableStream({
      start(c) {
        c.enqueue(text('a'));
        c.enqueue(text('b'));
        c.close();
      },
    });
    const primed = await primeStream(rs, options);
    expect(primed.value).toBeInstanceOf(ReadableStream);
    const got: unknown[] = [];
    const reader = primed.value.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) got.push(r.value);
    expect(got).toEqual([text('a'), text('b')]);
    expect(ends[0]?.outcome).toBe('complete');
  });
});
