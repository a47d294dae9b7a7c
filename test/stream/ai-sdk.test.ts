import { describe, expect, it } from 'vitest';
import { primeStream } from '../../src/stream/prime.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

/** A doStream()-shaped result whose parts the test releases one by one. */
function doStreamResult() {
  let ctrl!: ReadableStreamDefaultController<unknown>;
  const stream = new ReadableStream<unknown>({ start: (c) => void (ctrl = c) }, { highWaterMark: 0 });
  return { result: { stream, request: { body: '{"x":1}' }, response: { headers: { 'x-request-id': 'r1' } } }, ctrl };
}

async function readAll(stream: ReadableStream<unknown>): Promise<{ parts: unknown[]; error: unknown }> {
  const parts: unknown[] = [];
  const reader = stream.getReader();
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
    return { parts, error: undefined };
  } catch (error) {
    return { parts, error };
  }
}

const finish = { type: 'finish', finishReason: { unified: 'stop' }, usage: { inputTokens: { total: 5 }, outputTokens: { total: 2 } } };

describe('AI SDK doStream results', () => {
  it('returns the same shape with a wrapped stream; stream-start does not commit', async () => {
    const clock = createFakeClock();
    const { result, ctrl } = doStreamResult();
    const ends: unknown[] = [];
    ctrl.enqueue({ type: 'stream-start', warnings: [] });
    ctrl.enqueue({ type: 'text-start', id: '0' });
    ctrl.enqueue({ type: 'text-delta', id: '0', delta: 'hi' });
    ctrl.enqueue(finish);
    ctrl.close();
    const primed = await primeStream(result, { clock, model: 'm', onEnd: (s) => ends.push(s) });
    expect(primed.kind).toBe('ai-sdk');
    expect(primed.commit.bufferedChunks).toBe(3);
    expect(primed.value.request).toBe(result.request);
    expect(primed.value.response).toBe(result.response);
    expect(primed.value.stream).not.toBe(result.stream);
    const { parts } = await readAll(primed.value.stream);
    expect(parts.map((p) => (p as { type: string }).type)).toEqual(['stream-start', 'text-start', 'text-delta', 'finish']);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'complete', usage: expect.objectContaining({ inputTokens: 5, outputTokens: 2 }) })]);
  });

  it('an error part before any content rejects with the provider error', async () => {
    const clock = createFakeClock();
    const { result, ctrl } = doStreamResult();
    const apiError = Object.assign(new Error('Overloaded'), { name: 'AI_APICallError', isRetryable: true });
    ctrl.enqueue({ type: 'stream-start', warnings: [] });
    ctrl.enqueue({ type: 'error', error: apiError });
    await expect(primeStream(result, { clock, model: 'm' })).rejects.toBe(apiError);
  });

  it('an error part after the commit is passed on as an error part carrying StreamInterruptedError', async () => {
    const clock = createFakeClock();
    const { result, ctrl } = doStreamResult();
    const errors: unknown[] = [];
    const ends: unknown[] = [];
    const provider = Object.assign(new Error('Overloaded'), { type: 'overloaded_error' });
    ctrl.enqueue({ type: 'text-delta', id: '0', delta: 'hi' });
    const primed = await primeStream(result, { clock, model: 'm', onError: (e) => errors.push(e), onEnd: (s) => ends.push(s) });
    ctrl.enqueue({ type: 'error', error: provider });
    ctrl.enqueue(finish);
    ctrl.close();
    const { parts, error } = await readAll(primed.value.stream);
    expect(error).toBeUndefined();
    expect(parts[1]).toMatchObject({ type: 'error', error: { code: 'STREAM_INTERRUPTED', reason: 'overloaded' } });
    // The original, seen through the credential mask: its fields read through.
    expect(((parts[1] as { error: Error }).error.cause as { type: unknown }).type).toBe(provider.type);
    expect(parts[2]).toBe(finish);
    expect(errors).toHaveLength(1);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'failed', committed: true })]);
  });

  it('a stall errors the wrapped stream and cancels the provider stream', async () => {
    const clock = createFakeClock();
    let cancelled = false;
    let ctrl!: ReadableStreamDefaultController<unknown>;
    const stream = new ReadableStream<unknown>({ start: (c) => void (ctrl = c), cancel: () => void (cancelled = true) }, { highWaterMark: 0 });
    ctrl.enqueue({ type: 'text-delta', id: '0', delta: 'hi' });
    const primed = await primeStream({ stream }, { clock, model: 'm', stallTimeoutMs: 500 });
    const out = readAll(primed.value.stream);
    await clock.advance(500);
    const { parts, error } = await out;
    expect(parts).toHaveLength(1);
    expect(error).toMatchObject({ code: 'STREAM_INTERRUPTED', reason: 'timeout' });
    expect(cancelled).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it('cancelling the wrapped stream is an abandonment', async () => {
    const clock = createFakeClock();
    const { result, ctrl } = doStreamResult();
    const ends: { outcome: string }[] = [];
    ctrl.enqueue({ type: 'text-delta', id: '0', delta: 'hi' });
    const primed = await primeStream(result, { clock, model: 'm', stallTimeoutMs: 500, onEnd: (s) => ends.push(s) });
    await primed.value.stream.cancel();
    expect(ends.map((e) => e.outcome)).toEqual(['abandoned']);
    expect(clock.pending()).toBe(0);
  });
});
