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

/** Brand check (not `instanceof`), so it works across two installed copies of the package. */
export const isStreamInterruptedError = (v: unknown): v is StreamInterruptedError =>
  isResilienceError(v) && v.code === 'STREAM_INTERRUPTED';
