import * as z from '../options/zod.js';
import { positiveInt, positiveMs, nonNegativeMs, schemaOnFirstUse } from '../options/schema-helpers.js';
import { validateOptions } from '../options/validate.js';

/**
 * How streamed calls are watched. Applies when a call resolves with a stream
 * (see `isStreamResult`); plain responses ignore it.
 *
 * @example
 * new ResilientClient({ models, stream: { firstChunkTimeoutMs: 15_000, stallTimeoutMs: 30_000 } })
 */
export interface StreamOptions {
  /**
   * No content chunk within this many ms of the attempt's start → the attempt
   * fails with `TimeoutError` and is retried / falls back like any timeout.
   * The wait for the response headers counts too when the call is known to
   * stream before it answers: the wrappers' `stream: true` and `messages.stream`,
   * the AI SDK middleware's `doStream`, and `client.run` given a `request`
   * with `stream: true`. Otherwise the limit applies once a stream comes back.
   * @default undefined (no limit)
   */
  readonly firstChunkTimeoutMs?: number | undefined;
  /**
   * No chunk for this many ms while the caller waits for one → the request is
   * aborted. Before the commit that is a retryable `TimeoutError`; after it, a
   * `StreamInterruptedError`. The SDKs' own `timeout` covers headers only.
   * @default undefined (no limit)
   */
  readonly stallTimeoutMs?: number | undefined;
  /**
   * A committed stream that you stop reading (no read pending) for this many
   * ms, without cancelling it, is ended: the request is aborted, the budget is
   * settled (on the usage seen so far, else the estimate), `stream:end`
   * reports outcome `idle`, and a later read throws `StreamInterruptedError`.
   * Without it, a stream you forget holds its request and budget reservation
   * until `dispose()`. Time spent waiting for a chunk you asked for never counts.
   * @default 300_000 (5 min)
   */
  readonly idleTimeoutMs?: number | undefined;
  /**
   * Hold chunks this many ms after the first content chunk before handing the
   * stream over, so an early provider error can still be retried. Adds latency.
   * @default 0
   */
  readonly bufferMs?: number | undefined;
  /**
   * Hold chunks until this many content chunks arrived before handing the
   * stream over. With `bufferMs` too, whichever comes first commits — so
   * `{ bufferMs: 500, bufferChunks: 1 }` commits at the first chunk, while
   * `{ bufferMs: 500 }` alone holds for the full 500 ms.
   * @default undefined (no chunk count: without `bufferMs`, the first content chunk commits)
   */
  readonly bufferChunks?: number | undefined;
  /**
   * Continue a committed stream that fails mid-answer instead of ending it
   * with `StreamInterruptedError`: the same request is sent again with the
   * text you already received as the point to go on from, and the new stream
   * is spliced into the one you are reading (no repeated, no missing text).
   * `true` is `{ model: 'same', maxResumes: 1 }`. Streams that cannot be
   * continued (tool calls, reasoning, structured output, several choices,
   * log probabilities, the Responses API) still end with
   * `StreamInterruptedError`, whose `resumeRefused` says why.
   * @default false
   * @example stream: { resume: { model: 'next', maxResumes: 2 } }
   */
  readonly resume?: boolean | StreamResumeOptions | undefined;
}

/** How a stream that failed mid-answer is continued (see {@link StreamOptions.resume}). */
export interface StreamResumeOptions {
  /**
   * Which model continues: `'same'` (the model that was streaming; the chain's
   * later models if it cannot start) or `'next'` (the chain's next model, then
   * the later ones; the same model when it was the last).
   * @default 'same'
   */
  readonly model?: 'same' | 'next' | undefined;
  /** How many times one answer may be continued. @default 1 */
  readonly maxResumes?: number | undefined;
  /**
   * The user message that asks an OpenAI chat model (or an AI SDK model) to
   * go on after the partial answer. Anthropic needs none: the partial answer is
   * a prefilled assistant turn.
   * @default 'Continue exactly where your previous message stopped, mid-word if needed. Do not repeat anything and add no preamble.'
   */
  readonly instruction?: string | undefined;
}

/** The resume options with their defaults, or undefined when resuming is off. */
export interface ResolvedResume {
  readonly model: 'same' | 'next';
  readonly maxResumes: number;
  readonly instruction: string;
}

export const DEFAULT_RESUME_INSTRUCTION = 'Continue exactly where your previous message stopped, mid-word if needed. Do not repeat anything and add no preamble.';

export function resolveResume(given: StreamOptions['resume']): ResolvedResume | undefined {
  if (given === undefined || given === false) return undefined;
  const o = given === true ? {} : given;
  return Object.freeze({ model: o.model ?? 'same', maxResumes: o.maxResumes ?? 1, instruction: o.instruction ?? DEFAULT_RESUME_INSTRUCTION });
}

// Built inside the options schema's own `z.lazy`, so importing the package builds no schema.
const resumeSchema = () => z.union(
  [
    z.boolean(),
    z.strictObject({
      model: z.optional(z.enum(['same', 'next'], { error: "expected 'same' or 'next'" })),
      maxResumes: z.optional(positiveInt().check(z.lte(10, { error: 'expected at most 10' }))),
      instruction: z.optional(z.string({ error: 'expected a non-empty string' }).check(z.minLength(1, { error: 'expected a non-empty string' }), z.maxLength(2_000, { error: 'expected at most 2000 characters' }))),
    }),
  ],
  { error: 'expected true, false or { model, maxResumes, instruction }' },
);

export const streamOptionsSchema = schemaOnFirstUse(() => z.strictObject({
  firstChunkTimeoutMs: z.optional(positiveMs()),
  stallTimeoutMs: z.optional(positiveMs()),
  idleTimeoutMs: z.optional(positiveMs()),
  bufferMs: z.optional(nonNegativeMs()),
  bufferChunks: z.optional(positiveInt().check(z.lte(10_000, { error: 'expected at most 10000' }))),
  resume: z.optional(resumeSchema()),
}));

/** Validates `stream` options; a bad one throws ConfigError naming `stream.<key>`. */
export function validateStreamOptions(input: unknown, root = 'stream'): StreamOptions {
  return Object.freeze(validateOptions(streamOptionsSchema(), input, root));
}

/** True when a call's `request` says the answer will be a stream (`stream: true`, as the SDKs take it). */
export function isStreamRequest(request: unknown): boolean {
  return typeof request === 'object' && request !== null && (request as { stream?: unknown }).stream === true;
}

/**
 * The first-chunk limit an attempt arms when it starts, before any stream
 * object exists, so a provider that never even sends headers is cut. Only for
 * a call known to stream: a plain call's whole answer is not a first chunk.
 */
export function firstChunkLimitMs(options: StreamOptions | undefined, request: unknown): number | undefined {
  const ms = options?.firstChunkTimeoutMs;
  return ms !== undefined && isStreamRequest(request) ? ms : undefined;
}
