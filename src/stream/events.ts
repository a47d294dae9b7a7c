import type { Clock } from '../clock/clock.js';
import type { FailureKind } from '../classify/classify.js';
import type { EventBase } from '../events/events.js';
import type { StreamInterruptedError } from './errors.js';
import type { PumpOptions, StreamOutcome } from './pump.js';
import type { StreamUsage } from './usage.js';

interface StreamEventBase extends EventBase {
  readonly model: string;
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

export interface StreamEvents {
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
  const base = () => ({ timestamp: ctx.clock.now(), model: ctx.model, attempt: ctx.attempt, ...(ctx.taskId !== undefined ? { taskId: ctx.taskId } : {}) });
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
