// The splice through the client, on scripted SDK-shaped streams (Anthropic events) and the fake clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/client/client.js';
import type { ResilienceEvents } from '../../src/client/events-map.js';
import type { AttemptContext } from '../../src/client/types.js';
import type { ResilientClientOptions } from '../../src/client/options.js';
import { isStreamInterruptedError } from '../../src/stream/errors.js';
import { createFakeClock, type FakeClock } from '../../src/testing/fake-clock.js';
import { FakeSdkStream, ScriptedIterator, drain } from './scripted.js';

const overloaded = () => Object.assign(new Error('Overloaded'), { status: 529 });
const start = { type: 'message_start', message: { id: 'msg_1', role: 'assistant', content: [], usage: { input_tokens: 10, output_tokens: 1 } } };
const textBlock = (index = 0) => ({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
const delta = (text: string, index = 0) => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
const stop = (index = 0) => ({ type: 'content_block_stop', index });
const end = [{ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } }, { type: 'message_stop' }];
const request = { model: 'm1', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], stream: true };

/** One scripted part: its events, then an error (a mid-answer failure) or the end. */
type Part = { events: unknown[]; fail?: boolean };
const text = (chunks: unknown[]) => chunks.map((c) => ((c as { type: string }).type === 'content_block_delta' ? (c as { delta: { text?: string } }).delta.text ?? '' : '')).join('');

let clock: FakeClock;
let client: ResilientClient;
let sent: { model: string; request: unknown; stream: FakeSdkStream }[];
let events: { resumed: ResilienceEvents['stream:resumed'][]; refused: ResilienceEvents['stream:resume-refused'][]; usage: ResilienceEvents['budget:usage'][] };

function setup(options: Partial<ResilientClientOptions> = {}) {
  client = new ResilientClient({ models: ['m1', 'm2'], clock, retry: false, breaker: false, stream: { resume: true }, ...options });
  events = { resumed: [], refused: [], usage: [] };
  client.on('stream:resumed', (e) => events.resumed.push(e));
  client.on('stream:resume-refused', (e) => events.refused.push(e));
  client.on('budget:usage', (e) => events.usage.push(e));
}

/** The function `run` calls: each attempt gets the next part, and sends the context's request. */
const fnFor = (parts: Part[], readRequest = true) => (ctx: AttemptContext) => {
  const part = parts[sent.length]!;
  const it = new ScriptedIterator().push(...part.events);
  if (part.fail) it.fail(overloaded());
  else it.end();
  const stream = new FakeSdkStream(it);
  sent.push({ model: ctx.model, request: readRequest ? ctx.request : undefined, stream });
  return Promise.resolve(stream);
};

beforeEach(() => {
  clock = createFakeClock();
  sent = [];
  setup();
});
afterEach(async () => {
  await client.dispose();
});

describe('stream.resume through client.run', () => {
  it('continues up to maxResumes times, then refuses with max-resumes; each continuation carries everything so far', async () => {
    setup({ stream: { resume: { maxResumes: 2 } } });
    const parts: Part[] = [
      { events: [start, textBlock(), delta('One ')], fail: true },
      { events: [start, textBlock(), delta('two '), delta('three ')], fail: true },
      { events: [start, textBlock(), delta('four')], fail: true },
    ];
    const { chunks, error } = await drain((await client.run(fnFor(parts), { request })) as AsyncIterable<unknown>);
    expect(text(chunks)).toBe('One two three four');
    expect(sent.map((s) => ((s.request as typeof request).messages.at(-1) as { content: string }).content)).toEqual(['hi', 'One', 'One two three']);
    expect(isStreamInterruptedError(error)).toBe(true);
    expect((error as { resumeRefused?: string }).resumeRefused).toBe('max-resumes');
    expect(events.resumed.map((e) => [e.resume, e.afterChars])).toEqual([
      [1, 4],
      [2, 14],
    ]);
    expect(events.refused).toMatchObject([{ reason: 'max-resumes', model: 'm1' }]);
  });

  it("model: 'next' continues on the chain's next model", async () => {
    setup({ stream: { resume: { model: 'next' } } });
    const parts: Part[] = [{ events: [start, textBlock(), delta('Hi')], fail: true }, { events: [start, textBlock(), delta(' there'), stop(), ...end] }];
    const { chunks, error } = await drain((await client.run(fnFor(parts), { request })) as AsyncIterable<unknown>);
    expect(error).toBeUndefined();
    expect(text(chunks)).toBe('Hi there');
    expect(sent.map((s) => s.model)).toEqual(['m1', 'm2']);
    expect(events.resumed).toMatchObject([{ model: 'm1', resumedOn: 'm2' }]);
  });

  it('whitespace the prefill left out is dropped from the continuation, across deltas', async () => {
    const parts: Part[] = [{ events: [start, textBlock(), delta('Hello'), delta(' \n')], fail: true }, { events: [start, textBlock(), delta(' '), delta('\nworld'), stop(), ...end] }];
    const { chunks } = await drain((await client.run(fnFor(parts), { request })) as AsyncIterable<unknown>);
    expect(text(chunks)).toBe('Hello \nworld');
    expect((sent[1]!.request as typeof request).messages.at(-1)).toEqual({ role: 'assistant', content: 'Hello' });
  });

  it("your own prefill stays the start of the assistant turn; a tool block after the text gets the next index", async () => {
    const own = { ...request, messages: [...request.messages, { role: 'assistant', content: 'Answer:' }] };
    const tool = { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } };
    const parts: Part[] = [
      { events: [start, textBlock(), delta(' 42')], fail: true },
      { events: [start, textBlock(), delta(', final.'), stop(), tool, stop(1), ...end] },
    ];
    const { chunks } = await drain((await client.run(fnFor(parts), { request: own })) as AsyncIterable<unknown>);
    expect((sent[1]!.request as typeof request).messages).toEqual([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Answer: 42' }]);
    expect(text(chunks)).toBe(' 42, final.');
    expect(chunks.filter((c) => (c as { type: string }).type === 'content_block_start').map((c) => (c as { index: number }).index)).toEqual([0, 1]);
  });

  it('a function that ignores the context request: the continuation is closed and the original error says request-unused', async () => {
    const parts: Part[] = [{ events: [start, textBlock(), delta('Hi')], fail: true }, { events: [start, textBlock(), delta('Hi again')] }];
    const { chunks, error } = await drain((await client.run(fnFor(parts, false), { request })) as AsyncIterable<unknown>);
    expect(text(chunks)).toBe('Hi');
    expect((error as { resumeRefused?: string }).resumeRefused).toBe('request-unused');
    expect(sent[1]!.stream.it.returned).toBeGreaterThan(0);
  });

  it('the Responses API is not continued (unsupported-format): the original error, nothing resent', async () => {
    const parts: Part[] = [{ events: [{ type: 'response.created', response: {} }, { type: 'response.output_text.delta', delta: 'Hi' }], fail: true }];
    const { error } = await drain((await client.run(fnFor(parts), { request: { model: 'm1', input: 'hi', stream: true } })) as AsyncIterable<unknown>);
    expect(isStreamInterruptedError(error)).toBe(true);
    expect((error as { resumeRefused?: string }).resumeRefused).toBe('unsupported-format');
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: 'STREAM_INTERRUPTED', resumeRefused: 'unsupported-format' });
    expect(sent).toHaveLength(1);
  });

  it('an answer whose stop reason had arrived is not sent again (finished)', async () => {
    const parts: Part[] = [{ events: [start, textBlock(), delta('Done'), stop(), end[0]], fail: true }];
    const { error } = await drain((await client.run(fnFor(parts), { request })) as AsyncIterable<unknown>);
    expect((error as { resumeRefused?: string }).resumeRefused).toBe('finished');
    expect(sent).toHaveLength(1);
  });

  it('the budget settles both parts; the failed part’s output is estimated from its text and the event says so', async () => {
    setup({ budget: { day: { maxTokens: 1_000_000 } } });
    const parts: Part[] = [{ events: [start, textBlock(), delta('x'.repeat(40))], fail: true }, { events: [start, textBlock(), delta('y'), stop(), ...end] }];
    const { error } = await drain((await client.run(fnFor(parts), { request })) as AsyncIterable<unknown>);
    expect(error).toBeUndefined();
    await clock.advance(0);
    expect(events.usage.map((u) => [u.inputTokens, u.outputTokens, u.estimated])).toEqual([
      [10, 10, false],
      [10, 5, false],
    ]);
    expect(events.resumed).toMatchObject([{ usage: { inputTokens: 10, outputTokens: 10 }, usageEstimated: true }]);
  });

  it('breaking out while the continuation starts ends the stream quietly and aborts the continuation', async () => {
    const first = new ScriptedIterator().push(start, textBlock(), delta('Hi'));
    let continuation: AbortSignal | undefined;
    const fn = (ctx: AttemptContext) => {
      if (sent.length === 0) {
        sent.push({ model: ctx.model, request: ctx.request, stream: new FakeSdkStream(first) });
        return Promise.resolve(sent[0]!.stream);
      }
      continuation = ctx.signal;
      void ctx.request;
      return new Promise<FakeSdkStream>(() => {}); // never answers
    };
    const stream = (await client.run(fn, { request })) as AsyncIterable<unknown>;
    const it = stream[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) await it.next();
    const pending = it.next();
    first.fail(overloaded());
    await Promise.resolve();
    for (let i = 0; i < 20 && continuation === undefined; i++) await new Promise((r) => setImmediate(r));
    expect(continuation?.aborted).toBe(false);
    await it.return?.();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(continuation?.aborted).toBe(true);
  });
});
