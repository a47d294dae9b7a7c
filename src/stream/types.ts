import type { Clock } from '../clock/clock.js';
import type { StreamInterruptedError, StreamProgress } from './errors.js';

/** How a stream ended, as reported to `onEnd`. */
export type StreamOutcome = 'complete' | 'failed' | 'abandoned' | 'aborted';

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
  readonly clock: Clock;
  readonly model: string;
  readonly signal?: AbortSignal;
  readonly abort?: (reason: unknown) => void;
  readonly startedAt?: number;
  readonly firstChunkTimeoutMs?: number;
  readonly stallTimeoutMs?: number;
  readonly bufferMs?: number;
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
