/**
 * Which call results are streams, and which chunks carry output.
 *
 * Detected (checked in this order; anything else, including plain objects,
 * arrays, strings and `{ stream: true }`, is not a stream):
 * - `readable-stream`: a WHATWG `ReadableStream` returned as is.
 * - `sdk-stream`: an async iterable with a `controller` (an `AbortController`):
 *   the OpenAI and Anthropic SDK `Stream`, Anthropic `MessageStream`, OpenAI
 *   `ChatCompletionStream` / `ResponseStream`.
 * - `async-iterable`: any other object with `Symbol.asyncIterator` (an async
 *   generator, a Node `Readable` — only its iteration is watched).
 * - `ai-sdk`: an object whose `stream` property is a `ReadableStream`: the
 *   result of a Vercel AI SDK model's `doStream()` (`{ stream, request?, response? }`).
 *   AI SDK `streamText()` results are not detected: streamText runs its own
 *   retries; wrap the model with middleware instead.
 */

export type StreamKind = 'readable-stream' | 'sdk-stream' | 'async-iterable' | 'ai-sdk';

type Bag = Record<PropertyKey, unknown>;

export function isReadableStream(v: unknown): v is ReadableStream<unknown> {
  if (v === null || typeof v !== 'object') return false;
  if (typeof ReadableStream !== 'undefined' && v instanceof ReadableStream) return true;
  // Another realm's or polyfill's ReadableStream: recognise it by its methods.
  const b = v as Bag;
  return typeof b.getReader === 'function' && typeof b.pipeThrough === 'function' && typeof b.cancel === 'function';
}

/** The kind of stream `value` is, or undefined when it is not one. */
export function streamKind(value: unknown): StreamKind | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  if (isReadableStream(value)) return 'readable-stream';
  const b = value as Bag;
  if (typeof b[Symbol.asyncIterator] === 'function') {
    const c = b.controller as { abort?: unknown } | undefined;
    return c !== null && typeof c === 'object' && typeof c.abort === 'function' ? 'sdk-stream' : 'async-iterable';
  }
  if (isReadableStream(b.stream)) return 'ai-sdk';
  return undefined;
}

/** True when a call resolved with a stream that {@link primeStream} can watch. */
export function isStreamResult(value: unknown): boolean {
  return streamKind(value) !== undefined;
}

// Events that announce output but carry none of it. Holding them back until the
// first content chunk lets an error that follows them (Anthropic sends
// `message_start`, then `overloaded_error`) be retried: the caller has seen nothing.
const PREAMBLE_TYPES = new Set([
  // Anthropic
  'message_start',
  'ping',
  'content_block_start',
  // OpenAI Responses
  'response.created',
  'response.in_progress',
  'response.queued',
  'response.output_item.added',
  'response.content_part.added',
  // AI SDK stream parts
  'stream-start',
  'response-metadata',
  'raw',
  'text-start',
  'reasoning-start',
]);

/** True for a chunk that carries no output the caller could have shown. */
export function isPreamble(chunk: unknown): boolean {
  if (chunk === null || typeof chunk !== 'object') return false;
  const c = chunk as Bag;
  if (typeof c.type === 'string') return PREAMBLE_TYPES.has(c.type);
  // OpenAI chat: the first chunk is usually `delta: { role: 'assistant', content: '' }`.
  const choices = c.choices;
  if (!Array.isArray(choices) || choices.length === 0 || (c.usage !== null && c.usage !== undefined)) return false;
  return choices.every((ch: unknown) => {
    const choice = ch as Bag | null;
    const d = choice?.delta as Bag | undefined;
    if (!d || choice?.finish_reason) return false;
    return !d.content && !d.refusal && !d.tool_calls && !d.function_call && !d.reasoning_content;
  });
}

/** For AI SDK stream parts: the error of a `{ type: 'error', error }` part, else undefined. */
export function errorOfPart(chunk: unknown): { error: unknown } | undefined {
  if (chunk === null || typeof chunk !== 'object') return undefined;
  const c = chunk as Bag;
  return c.type === 'error' ? { error: c.error } : undefined;
}
