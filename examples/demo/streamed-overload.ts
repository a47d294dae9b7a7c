/**
 * Section 3: a streamed call. The first attempt's event stream opens with
 * `message_start` and then carries Anthropic's `overloaded_error` (inside an
 * HTTP 200, as the real API does). No content has reached the caller yet, so
 * the attempt is retried; the second stream is committed at its first text
 * chunk and read to the end.
 */
import type { AttemptContext } from 'llm-resilience';
import type { FakeClock } from 'llm-resilience/testing';
import type { Demo } from './harness.js';

export const STREAM_MODEL = 'claude-opus-4-5';
export const STREAM_TEXT = ['Resilient ', 'streams ', 'commit ', 'at the ', 'first token.'];

/** An Anthropic Messages stream event (the few types this demo sends). */
type StreamEvent =
  | { type: 'message_start'; message: { model: string; usage: { input_tokens: number; output_tokens: number } } }
  | { type: 'content_block_delta'; index: 0; delta: { type: 'text_delta'; text: string } }
  | { type: 'message_delta'; delta: { stop_reason: 'end_turn' }; usage: { output_tokens: number } }
  | { type: 'message_stop' }
  | { type: 'error'; error: { type: string; message: string } };

/**
 * What the Anthropic SDK throws when an `error` event arrives mid-stream: an
 * APIError with no HTTP status (the response was a 200) and the event as body.
 */
class MidStreamError extends Error {
  readonly status = undefined;
  constructor(readonly error: { type: 'error'; error: { type: string; message: string } }) {
    super(JSON.stringify(error));
    this.name = 'APIError';
  }
}

/** A fake SDK stream: yields `events` `gapMs` apart on the fake clock; an `error` event throws, like the SDK. */
async function* fakeStream(clock: FakeClock, events: readonly StreamEvent[], gapMs: number, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  for (const event of events) {
    await new Promise<void>((resolve) => clock.setTimeout(resolve, gapMs));
    signal.throwIfAborted();
    if (event.type === 'error') throw new MidStreamError({ type: 'error', error: event.error });
    yield event;
  }
}

const start = (model: string): StreamEvent => ({ type: 'message_start', message: { model, usage: { input_tokens: 420, output_tokens: 1 } } });

export async function streamedOverload(demo: Demo): Promise<void> {
  demo.heading('6. Streaming: an overloaded_error before the first token is retried');
  const client = demo.client({
    models: [STREAM_MODEL],
    retry: { maxRetries: 2, initialDelayMs: 1_000 },
    stream: { firstChunkTimeoutMs: 10_000, stallTimeoutMs: 5_000 },
  });

  const call = ({ model, attempt, signal }: AttemptContext) => {
    const events: StreamEvent[] =
      attempt === 1
        ? [start(model), { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]
        : [
            start(model),
            ...STREAM_TEXT.map((text): StreamEvent => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
            { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } },
            { type: 'message_stop' },
          ];
    return fakeStream(demo.clock, events, 150, signal);
  };

  const stream = await demo.run(client, 'streamed request', call, { taskId: 'chat-1' }, () => 'stream handed over: reading it');
  if (!stream) return;
  const text = await demo.drive(
    (async () => {
      let out = '';
      for await (const event of stream) if (event.type === 'content_block_delta') out += event.delta.text;
      return out;
    })(),
    'reading the stream',
  );
  demo.note(`the caller read: "${text}" (no output from the failed attempt, nothing repeated)`);
}
