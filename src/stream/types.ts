import type { Clock } from '../clock/clock.js';
import type { StreamInterruptedError, StreamProgress } from './errors.js';

/**
 * How a stream ended, as reported to `onEnd`: `idle` when the caller stopped
 * reading a committed stream for `idleTimeoutMs` without cancelling it.
 */
export type StreamOutcome = 'complete' | 'failed' | 'abandoned' | 'aborted' | 'idle';

export interface StreamSummary extends StreamProgress {
  readonly outcome: StreamOutcome;
  /** False when the stream failed before its first content chunk (the attempt itself failed). */
  readonly committed: boolean;
}

export interface StreamCommitInfo {
  /** Time from the attempt's start to the first content chunk; undefined when the stream ended without one. */
  readonly ttftMs: number | undefined;
  /** Chunks held back until the commit (preamble events, plus the opt-in buffer). */
  readonly bufferedChunks: number;
  /** Clock time of the commit. */
  readonly committedAt: number;
}

export interface PumpOptions {
  /** The attempt's clock: every timeout runs on it. */
  readonly clock: Clock;
  /** The attempt's model, for errors and summaries. */
  readonly model: string;
  /**
   * The attempt's signal. It must stay linked to the caller's signal until the
   * stream ends: an abort after the commit ends iteration quietly (outcome `aborted`).
   */
  readonly signal?: AbortSignal;
  /** Aborts the attempt's request: called on a timeout, a stall, or when the caller abandons the stream. */
  readonly abort?: (reason: unknown) => void;
  /** When the attempt started (clock ms); TTFT and the first-chunk timeout count from here. @default clock.now() at the call */
  readonly startedAt?: number;
  /** No content chunk within this many ms of `startedAt` → reject with `TimeoutError` (retryable). @default undefined (no limit) */
  readonly firstChunkTimeoutMs?: number;
  /** No chunk for this many ms while the reader waits → `TimeoutError` before the commit, `StreamInterruptedError` after. @default undefined (no limit) */
  readonly stallTimeoutMs?: number;
  /**
   * A committed stream the caller has not read from for this many ms (no read
   * pending) is ended: the request is aborted, outcome `idle`, and a later read
   * throws `StreamInterruptedError`. @default 300_000
   */
  readonly idleTimeoutMs?: number;
  /** Hold chunks for this many ms after the first content chunk before committing. @default 0 */
  readonly bufferMs?: number;
  /** Hold chunks until this many content chunks arrived; with `bufferMs`, whichever comes first commits. @default undefined */
  readonly bufferChunks?: number;
  readonly onCommit?: (info: StreamCommitInfo) => void;
  readonly onChunk?: (chunk: unknown, index: number) => void;
  readonly onEnd?: (summary: StreamSummary) => void;
  readonly onError?: (error: StreamInterruptedError, summary: StreamSummary) => void;
}

/** Where chunks come from: an async iterator or a stream reader, reduced to two calls. */
export interface ChunkSource {
  next(): Promise<IteratorResult<unknown>>;
  /** Releases the source without waiting; `hard` also aborts the underlying request. */
  close(hard: boolean): void;
  /** AI SDK stream parts report errors as `{ type: 'error' }` parts instead of throwing. */
  readonly errorParts: boolean;
}
