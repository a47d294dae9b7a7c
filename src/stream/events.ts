import type { Clock } from '../clock/clock.js';
import type { FailureKind } from '../classify/classify.js';
import type { EventBase } from '../events/events.js';
import type { StreamInterruptedError, StreamResumeRefusal } from './errors.js';
import type { PumpOptions, StreamOutcome } from './pump.js';
import type { StreamUsage } from './usage.js';

interface StreamEventBase extends EventBase {
  readonly model: string;
  /** The deployment's id, when the model is reached through deployments. */
  readonly deployment?: string;
  /** 1-based attempt number on this model. */
  readonly attempt: number;
}

/** The first content chunk arrived: from here on the call is not retried. */
export interface StreamCommittedEvent extends StreamEventBase {
  /** Attempt start → first content chunk (the monitor's TTFT metric). */
  readonly ttftMs: number | undefined;
  /** Chunks held back until the commit (preamble events and the opt-in buffer). */
  readonly bufferedChunks: number;
}

/** A committed stream failed; the caller got a `StreamInterruptedError`. */
export interface StreamFailedEvent extends StreamEventBase {
  /** `timeout` for a stall, else the classified kind of the provider's error. */
  readonly kind: FailureKind;
  readonly chunks: number;
  readonly ttftMs: number | undefined;
  readonly durationMs: number;
}

/** A committed stream ended, however it ended (the monitor's stream-duration metric). */
export interface StreamEndEvent extends StreamEventBase {
  readonly outcome: StreamOutcome;
  readonly chunks: number;
  readonly ttftMs: number | undefined;
  readonly durationMs: number;
  readonly usage?: StreamUsage;
}

/** The OpenAI wrapper added `stream_options.include_usage: true` to a request (emitted once per client). */
export interface StreamUsageRequestedEvent extends EventBase {
  readonly model: string;
}

/**
 * A stream that failed mid-answer is being continued: the continuation
 * committed and is spliced into the stream you are reading. `stream:failed`
 * was emitted for the part that failed, just before.
 */
export interface StreamResumedEvent extends EventBase {
  /** The model whose stream failed. */
  readonly model: string;
  /** The model the continuation runs on. */
  readonly resumedOn: string | undefined;
  /** Items you had received when it failed (every part so far). */
  readonly afterChunks: number;
  /** Characters of answer text you had received: the continuation starts right after them. */
  readonly afterChars: number;
  /** 1-based: which continuation of this answer this is. */
  readonly resume: number;
  /** Why the part failed (`timeout` for a stall). */
  readonly reason: FailureKind;
  /** The failed part's usage, as its budget settled it; absent when the provider had reported none (the budget then settled the call's estimate). */
  readonly usage?: StreamUsage;
  /** True when `usage`'s output count is an estimate from the text delivered, or there was no usage at all. */
  readonly usageEstimated: boolean;
}

/** `stream.resume` was on but the failed stream could not be continued; you get its `StreamInterruptedError`, with `resumeRefused`. */
export interface StreamResumeRefusedEvent extends EventBase {
  readonly model: string;
  readonly reason: StreamResumeRefusal;
  readonly afterChunks: number;
}

export interface StreamEvents {
  'stream:resumed': StreamResumedEvent;
  'stream:resume-refused': StreamResumeRefusedEvent;
  'stream:committed': StreamCommittedEvent;
  'stream:failed': StreamFailedEvent;
  'stream:end': StreamEndEvent;
  'stream:usage-requested': StreamUsageRequestedEvent;
}

/** The slice of the client's event bus this module uses. */
export interface StreamEmitter {
  wants(name: keyof StreamEvents): boolean;
  emit<K extends keyof StreamEvents>(name: K, payload: StreamEvents[K]): void;
}

export interface StreamEventContext {
  readonly clock: Clock;
  readonly model: string;
  readonly deployment?: string | undefined;
  readonly attempt: number;
  readonly taskId?: string;
}

/**
 * `onCommit` / `onEnd` / `onError` hooks that emit the stream events. Payloads
 * are built only when someone listens. `stream:end` is emitted for committed
 * streams only: a stream that failed before its commit is a failed attempt,
 * already reported by `failure`.
 */
export function streamEventHooks(bus: StreamEmitter, ctx: StreamEventContext): Pick<PumpOptions, 'onCommit' | 'onEnd' | 'onError'> {
  const base = () => ({
    timestamp: ctx.clock.now(),
    model: ctx.model,
    ...(ctx.deployment !== undefined ? { deployment: ctx.deployment } : {}),
    attempt: ctx.attempt,
    ...(ctx.taskId !== undefined ? { taskId: ctx.taskId } : {}),
  });
  return {
    onCommit(info) {
      if (bus.wants('stream:committed')) bus.emit('stream:committed', { ...base(), ttftMs: info.ttftMs, bufferedChunks: info.bufferedChunks });
    },
    onError(error: StreamInterruptedError, s) {
      if (bus.wants('stream:failed')) {
        bus.emit('stream:failed', { ...base(), kind: error.reason, chunks: s.chunks, ttftMs: s.ttftMs, durationMs: s.durationMs });
      }
    },
    onEnd(s) {
      if (!s.committed || !bus.wants('stream:end')) return;
      bus.emit('stream:end', {
        ...base(),
        outcome: s.outcome,
        chunks: s.chunks,
        ttftMs: s.ttftMs,
        durationMs: s.durationMs,
        ...(s.usage ? { usage: s.usage } : {}),
      });
    },
  };
}
