import type { FailureKind } from '../classify/classify.js';
import { ResilienceError, isResilienceError } from '../errors/errors.js';
import type { StreamUsage } from './usage.js';

/**
 * What a stream had delivered when it ended. Counts and timings only: no chunk
 * content, so it is safe to log, put in an event or show in a report.
 */
export interface StreamProgress {
  /**
   * Items the stream handed to the caller, whatever their kind: an SDK stream's
   * every event counts (`message_start`, `content_block_start`, … as well as the
   * text deltas), not only chunks carrying text.
   */
  readonly chunks: number;
  /** Time from the attempt's start to the first content chunk, when one came. */
  readonly ttftMs: number | undefined;
  /** Time from the attempt's start to the end of the stream. */
  readonly durationMs: number;
  /** Token usage read from the chunks seen so far, when the format reports it. */
  readonly usage: StreamUsage | undefined;
}

/**
 * Why a stream that failed mid-answer was not continued although `stream.resume` was on:
 * - `tool-call`: a tool call's arguments were being streamed (half a JSON cannot be continued)
 * - `reasoning`: the answer had reasoning / thinking blocks (signed or hidden: no prefill can carry them)
 * - `structured-output`: a JSON schema or JSON response format (a half document is not valid output)
 * - `refusal`: the model was streaming a refusal
 * - `multiple-choices`: `n` > 1 or several choices in the stream
 * - `logprobs`: log probabilities were asked for (a continuation would change them)
 * - `unsupported-format`: a format that cannot be spliced (the Responses API, SDK helper streams, unknown chunks)
 * - `unsupported-request`: the request has no message list a continuation can extend
 * - `finished`: the provider had already reported the end of the answer; only its trailer was lost
 * - `idle`: you had stopped reading the stream (see `idleTimeoutMs`)
 * - `request-unused`: your function sent its own request instead of the context's `request`
 * - `max-resumes`: the answer was already continued `maxResumes` times
 * - `continuation-failed`: the continuation itself could not start on any model
 */
export type StreamResumeRefusal =
  | 'tool-call'
  | 'reasoning'
  | 'structured-output'
  | 'refusal'
  | 'multiple-choices'
  | 'logprobs'
  | 'unsupported-format'
  | 'unsupported-request'
  | 'finished'
  | 'idle'
  | 'request-unused'
  | 'max-resumes'
  | 'continuation-failed';

/** Why a committed stream stopped early, in the classifier's words (`timeout` for a stall). */
export type StreamInterruptReason = FailureKind;

/**
 * A stream failed after its first chunk reached the caller, so it could not be
 * retried or moved to another model without repeating output. `cause` holds
 * the original error (the provider's `APIError`, undici's `TypeError:
 * terminated`, or our `TimeoutError` for a stall); `received` says how far it got.
 */
export class StreamInterruptedError extends ResilienceError {
  readonly model: string;
  /** Items the caller had received before the failure, SDK events such as `message_start` included (see {@link StreamProgress.chunks}). */
  readonly chunks: number;
  readonly reason: StreamInterruptReason;
  readonly received: StreamProgress;
  /** Set when `stream.resume` was on and this stream could not be continued: why. */
  declare readonly resumeRefused?: StreamResumeRefusal;

  constructor(model: string, reason: StreamInterruptReason, received: StreamProgress, cause: unknown) {
    // The message names counts and a kind only: a provider's error text may
    // quote the prompt or the completion, so it stays in `cause`.
    super(
      'STREAM_INTERRUPTED',
      `Stream from model "${model}" was interrupted after ${received.chunks} chunk${received.chunks === 1 ? '' : 's'} (${describe(reason)})`,
      { cause },
    );
    this.name = 'StreamInterruptedError';
    this.model = model;
    this.reason = reason;
    this.chunks = received.chunks;
    this.received = Object.freeze({ ...received });
  }
}

function describe(reason: StreamInterruptReason): string {
  if (reason === 'timeout') return 'stalled: no chunk within the stall timeout';
  if (reason === 'network') return 'connection lost';
  return `provider error: ${reason}`;
}

const idle = new WeakSet<StreamInterruptedError>();

/** Marks the error of a stream ended because its reader stopped reading: never continued. */
export function markIdle(error: StreamInterruptedError): StreamInterruptedError {
  idle.add(error);
  return error;
}

export const isIdleFailure = (error: StreamInterruptedError): boolean => idle.has(error);

/** Sets `resumeRefused` (once) on an error that is about to reach the caller unchanged otherwise. */
export function refuseResume(error: StreamInterruptedError, reason: StreamResumeRefusal): StreamInterruptedError {
  if (error.resumeRefused === undefined) Object.defineProperty(error, 'resumeRefused', { value: reason, enumerable: true, configurable: false, writable: false });
  return error;
}

/** Brand check (not `instanceof`), so it works across two installed copies of the package. */
export const isStreamInterruptedError = (v: unknown): v is StreamInterruptedError =>
  isResilienceError(v) && v.code === 'STREAM_INTERRUPTED';
