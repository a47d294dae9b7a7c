/**
 * The OpenAI wrapper adds `stream_options.include_usage` to chat streams so the
 * budget can settle real usage. The API then sends one more chunk, `choices: []`
 * with `usage`, which the caller did not ask for (a loop reading
 * `chunk.choices[0].delta` would throw on it). The pipeline still reads it;
 * this keeps it from the caller.
 */
import { streamKind } from '../stream/detect.js';

const isUsageOnly = (chunk: unknown): boolean => {
  const c = chunk as { choices?: unknown; usage?: unknown } | null;
  return c !== null && typeof c === 'object' && Array.isArray(c.choices) && c.choices.length === 0 && c.usage !== null && c.usage !== undefined;
};

/**
 * A stream of the same class as `value` (the SDK's `Stream`, so `tee()`,
 * `toReadableStream()` and `controller` work) that yields every chunk but the
 * usage-only one. Anything that is not an SDK stream is returned as it is.
 */
export function withoutUsageChunk(value: unknown): unknown {
  if (streamKind(value) !== 'sdk-stream') return value;
  const source = value as AsyncIterable<unknown> & { controller: AbortController };
  async function* chunks() {
    for await (const chunk of source) if (!isUsageOnly(chunk)) yield chunk;
  }
  // A controller of its own that aborts the source's current one: a resumed stream
  // changes controllers, and the SDK aborts a failed part's (which a helper such as
  // ChatCompletionStream would take for your abort).
  const controller = new AbortController();
  controller.signal.addEventListener('abort', () => source.controller.abort(controller.signal.reason), { once: true });
  const Ctor = Object.getPrototypeOf(source)?.constructor as (new (it: () => AsyncIterator<unknown>, c: AbortController) => unknown) | undefined;
  if (typeof Ctor !== 'function' || Ctor === Object) return Object.assign(chunks(), { controller });
  return new Ctor(chunks, controller);
}
