import { describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/client/client.js';
import type { ResilienceEvents } from '../../src/client/events-map.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { FakeAPIError } from '../../src/testing/fake-provider.js';
import { runStream } from './harness.js';
import { drain, scriptedIterable, type ScriptedIterator } from './scripted.js';

const text = (t: string) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } });
const overloaded = () => new FakeAPIError(undefined, 'Overloaded', { type: 'overloaded_error' });

function makeClient(models: string[], retries: number) {
  const clock = createFakeClock();
  const client = new ResilientClient({ models, clock, retry: { maxRetries: retries, initialDelayMs: 100, jitter: 'none' }, breaker: false });
  const log: string[] = [];
  for (const e of ['attempt', 'failure', 'retry', 'fallback', 'success'] as const) {
    client.on(e, (p: ResilienceEvents[typeof e]) => log.push(`${e}:${'model' in p ? p.model : (p as { to: string }).to}`));
  }
  return { clock, client, log };
}

describe('primeStream composed with ResilientClient.run (harness)', () => {
  it('an overloaded_error as the first stream event is retried; the caller sees one clean stream', async () => {
    const { clock, client, log } = makeClient(['claude'], 2);
    const streams: ScriptedIterator[] = [];
    const p = runStream(
      client,
      async () => {
        const { iterable, it } = scriptedIterable();
        streams.push(it);
        if (streams.length === 1) it.push({ type: 'message_start', message: { usage: { input_tokens: 3 } } }).fail(overloaded());
        else it.push({ type: 'message_start', message: { usage: { input_tokens: 3 } } }, text('Hello')).end();
        return iterable;
      },
      { clock },
    );
    await clock.advance(100);
    const { chunks, error } = await drain(await p);
    expect(error).toBeUndefined();
    expect(chunks).toHaveLength(2);
    expect(streams).toHaveLength(2);
    expect(log).toEqual(['attempt:claude', 'failure:claude', 'retry:claude', 'attempt:claude', 'success:claude']);
  });

  it('a slow first token times out on the clock and falls back to the next model', async () => {
    const { clock, client, log } = makeClient(['slow', 'fast'], 0);
    const summaries: [string, string][] = [];
    const p = runStream(
      client,
      async ({ model }) => {
        const { iterable, it } = scriptedIterable();
        if (model === 'fast') it.push(text('hi')).end();
        return iterable;
      },
      { clock, firstChunkTimeoutMs: 3000, onSummary: (m, s) => summaries.push([m, s.outcome]) },
    );
    await clock.advance(3000);
    expect((await drain(await p)).chunks).toEqual([text('hi')]);
    expect(log).toEqual(['attempt:slow', 'failure:slow', 'fallback:fast', 'attempt:fast', 'success:fast']);
    // Only committed streams end with a summary; the slow one failed as an attempt (see `log`).
    expect(summaries).toEqual([['fast', 'complete']]);
    expect(clock.pending()).toBe(0);
  });

  it('an error after the first chunk is not retried: the caller gets StreamInterruptedError', async () => {
    const { clock, client, log } = makeClient(['claude', 'gpt'], 3);
    let calls = 0;
    const stream = await runStream(
      client,
      async () => {
        calls++;
        const { iterable, it } = scriptedIterable();
        it.push(text('Hel')).fail(overloaded());
        return iterable;
      },
      { clock },
    );
    const { chunks, error } = await drain(stream);
    expect(chunks).toEqual([text('Hel')]);
    expect(error).toMatchObject({ code: 'STREAM_INTERRUPTED', reason: 'overloaded', chunks: 1 });
    expect(calls).toBe(1);
    expect(log).toEqual(['attempt:claude', 'success:claude']);
  });

  it('a caller abort mid-stream ends quietly and is not retried', async () => {
    const { clock, client } = makeClient(['claude'], 3);
    const caller = new AbortController();
    const outcomes: string[] = [];
    let its: ScriptedIterator | undefined;
    const stream = await runStream(
      client,
      async () => {
        const { iterable, it } = scriptedIterable();
        its = it;
        it.push(text('a'));
        return iterable;
      },
      { clock, signal: caller.signal, stallTimeoutMs: 1000, onSummary: (_m, s) => outcomes.push(s.outcome) },
    );
    const out = drain(stream);
    await clock.flush();
    caller.abort();
    const { chunks, error } = await out;
    expect(chunks).toHaveLength(1);
    expect(error).toBeUndefined();
    expect(outcomes).toEqual(['aborted']);
    expect(its?.returned).toBe(1);
    expect(clock.pending()).toBe(0);
  });
});

describe('firstChunkTimeoutMs before the stream object exists (client.run, fake clock)', () => {
  const never = <T>() => new Promise<T>(() => {});

  it('with request.stream: true, a call that never answers is cut at the limit, its signal aborted, and falls back', async () => {
    const { clock, client, log } = makeClient(['silent', 'fast'], 0);
    const signals: AbortSignal[] = [];
    const p = client.run(
      async ({ model, signal }) => {
        signals.push(signal);
        if (model === 'silent') return never<AsyncIterable<unknown>>(); // no headers, ever
        const { iterable, it } = scriptedIterable();
        it.push(text('hi')).end();
        return iterable;
      },
      { request: { model: 'silent', stream: true }, stream: { firstChunkTimeoutMs: 3000 } },
    );
    await clock.advance(2999);
    expect(log).toEqual(['attempt:silent']);
    await clock.advance(1);
    expect((await drain(await p)).chunks).toEqual([text('hi')]);
    expect(log).toEqual(['attempt:silent', 'failure:silent', 'fallback:fast', 'attempt:fast', 'success:fast']);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toMatchObject({ name: 'TimeoutError', message: 'First chunk on model "silent" timed out after 3000 ms' });
    expect(clock.pending()).toBe(0);
    client.dispose();
  });

  it('without stream: true the limit does not apply before an answer: a slow plain call is left alone', async () => {
    const { clock, client, log } = makeClient(['slow'], 0);
    let answer!: (v: string) => void;
    const p = client.run(() => new Promise<string>((r) => (answer = r)), { request: { model: 'slow' }, stream: { firstChunkTimeoutMs: 3000 } });
    await clock.advance(10_000);
    answer('done');
    expect(await p).toBe('done');
    expect(log).toEqual(['attempt:slow', 'success:slow']);
    client.dispose();
  });
});
