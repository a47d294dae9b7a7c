import { classifyError } from '../classify/classify.js';
import type { TimerHandle } from '../clock/clock.js';
import { TimeoutError } from '../errors/errors.js';
import { errorOfPart, isPreamble } from './detect.js';
import { StreamInterruptedError, type StreamProgress, markIdle } from './errors.js';
import { SourcePull, type Step } from './pull.js';
import type { ChunkSource, PumpOptions, StreamCommitInfo, StreamOutcome, StreamSummary } from './types.js';

export type { ChunkSource, PumpOptions, StreamCommitInfo, StreamOutcome, StreamSummary } from './types.js';
import { StreamUsageAccumulator } from './usage.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
/** `idleTimeoutMs` when none is given: long enough for any reader that is still reading. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/**
 * One stream's life: priming (pull until the first content chunk, all
 * failures reject), then committed (chunks go to the caller, failures become
 * {@link StreamInterruptedError}). Timers run only while a pull is pending
 * ({@link SourcePull}), so a slow consumer is never mistaken for a stalled provider.
 */
export class StreamPump {
  readonly ended: Promise<StreamSummary>;
  readonly #o: PumpOptions;
  readonly #source: ChunkSource;
  readonly #pull: SourcePull;
  readonly #startedAt: number;
  readonly #usage = new StreamUsageAccumulator();
  readonly #buffer: unknown[] = [];
  #resolveEnded!: (s: StreamSummary) => void;
  #firstAt: number | undefined;
  #delivered = 0;
  #committed = false;
  #sourceDone = false;
  #ended = false;
  #endedIdle = false;
  #selfAbort = false;
  #closed = false;
  /** Set once a committed stream failed (thrown, or passed on as an AI SDK error part). */
  #failure: StreamInterruptedError | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  /** Reads the caller has asked for and not yet received, and when the caller last asked: the idle limit. */
  #reads = 0;
  #lastRead = 0;
  #idleTimer: TimerHandle | undefined;

  constructor(source: ChunkSource, options: PumpOptions) {
    this.#o = options;
    this.#source = source;
    this.#pull = new SourcePull(source, options.clock);
    this.#startedAt = options.startedAt ?? options.clock.now();
    this.ended = new Promise((r) => (this.#resolveEnded = r));
    options.signal?.addEventListener('abort', this.#onAbort);
  }

  /** Resolves at the commit; rejects with the provider's error, a TimeoutError or the abort reason. */
  async prime(): Promise<StreamCommitInfo> {
    const o = this.#o;
    if (o.signal?.aborted) throw this.#failEarly(o.signal.reason, 'aborted');
    const firstDeadline = o.firstChunkTimeoutMs !== undefined ? this.#startedAt + o.firstChunkTimeoutMs : undefined;
    const buffering = (o.bufferMs ?? 0) > 0 || (o.bufferChunks ?? 1) > 1;
    let bufferDeadline: number | undefined;
    let content = 0;
    for (;;) {
      const now = o.clock.now();
      let wait: number | undefined;
      let why: 'first' | 'stall' | 'buffer' = 'first';
      if (this.#firstAt === undefined) {
        wait = firstDeadline === undefined ? undefined : firstDeadline - now;
        // Preamble events came but no content: the stall limit applies between them too.
        if (this.#buffer.length > 0 && o.stallTimeoutMs !== undefined && (wait === undefined || o.stallTimeoutMs < wait)) {
          why = 'stall';
          wait = o.stallTimeoutMs;
        }
      } else {
        why = 'stall';
        wait = o.stallTimeoutMs;
        if (bufferDeadline !== undefined && (wait === undefined || bufferDeadline - now < wait)) {
          why = 'buffer';
          wait = bufferDeadline - now;
        }
      }
      const step = await this.#step(wait);
      if (step.kind === 'chunk') {
        this.#usage.add(step.value);
        const part = this.#source.errorParts ? errorOfPart(step.value) : undefined;
        if (part) throw this.#failEarly(part.error, 'failed');
        this.#buffer.push(step.value);
        if (isPreamble(step.value)) continue;
        content++;
        if (this.#firstAt === undefined) {
          this.#firstAt = o.clock.now();
          if ((o.bufferMs ?? 0) > 0) bufferDeadline = this.#firstAt + o.bufferMs!;
        }
        if (!buffering || (o.bufferChunks !== undefined && content >= o.bufferChunks)) return this.#commit();
      } else if (step.kind === 'done') {
        this.#sourceDone = true;
        return this.#commit();
      } else if (step.kind === 'error') {
        throw this.#failEarly(step.error, 'failed');
      } else if (step.kind === 'aborted') {
        throw this.#failEarly(o.signal?.reason, 'aborted');
      } else if (why === 'buffer') {
        return this.#commit();
      } else {
        const ms = why === 'first' ? o.firstChunkTimeoutMs! : o.stallTimeoutMs!;
        throw this.#failEarly(new TimeoutError(o.model, ms, why === 'first' ? 'First chunk' : 'Stream stall'), 'failed', true);
      }
    }
  }

  /** The caller's `next()`: serialised, so overlapping calls cannot reorder chunks. */
  next(): Promise<IteratorResult<unknown>> {
    this.#reads++;
    this.#lastRead = this.#o.clock.now();
    const r = this.#chain.then(() => this.#next());
    this.#chain = r.then(this.#readDone, this.#readDone);
    return r;
  }

  #readDone = (): void => {
    this.#reads--;
    this.#lastRead = this.#o.clock.now();
  };

  /**
   * The idle limit: one timer per stream, re-armed only when it fires. An
   * unread, uncancelled stream would otherwise hold its request, its budget
   * reservation and its listeners until dispose.
   */
  get #idleLimit(): number {
    return this.#o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  #armIdle(delay: number): void {
    this.#idleTimer = this.#o.clock.setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#ended) return;
      const limit = this.#idleLimit;
      const idleFor = this.#o.clock.now() - this.#lastRead;
      // A pending read is the provider's wait (the stall limit's business), not the caller's.
      if (this.#reads > 0 || idleFor < limit) return this.#armIdle(this.#reads > 0 ? limit : limit - idleFor);
      this.#failure = markIdle(new StreamInterruptedError(this.#o.model, 'timeout', this.#progress(), new TimeoutError(this.#o.model, limit, 'Stream left unread')));
      this.#finish('idle', true);
    }, delay);
  }

  /** The caller's `return()`: a `break` out of the loop, or a cancelled reader. */
  async return(): Promise<IteratorResult<unknown>> {
    this.#finish(this.#failure ? 'failed' : 'abandoned', true);
    this.#pull.wake({ kind: 'aborted' });
    return DONE;
  }

  async #next(): Promise<IteratorResult<unknown>> {
    if (this.#buffer.length > 0) return this.#deliver(this.#buffer.shift());
    if (this.#ended) {
      // Ended for idleness: a late reader must not take the cut-off stream for a complete one.
      if (this.#endedIdle && this.#failure) throw this.#failure;
      return DONE;
    }
    if (this.#sourceDone) {
      this.#finish(this.#failure ? 'failed' : 'complete', false);
      return DONE;
    }
    const step = await this.#step(this.#o.stallTimeoutMs);
    if (this.#ended) return this.#next();
    switch (step.kind) {
      case 'chunk': {
        this.#usage.add(step.value);
        const part = this.#source.errorParts ? errorOfPart(step.value) : undefined;
        if (!part) return this.#deliver(step.value);
        // AI SDK convention: provider errors travel as parts, and the stream goes on to `finish`.
        const error = this.#interrupt(part.error, false, false);
        return this.#deliver({ ...(step.value as object), error });
      }
      case 'done':
        this.#finish(this.#quietAbort() ? 'aborted' : this.#failure ? 'failed' : 'complete', false);
        return DONE;
      case 'error':
        // The SDKs end quietly on the caller's abort; some transports throw instead. Either way: quiet.
        if (this.#quietAbort()) {
          this.#finish('aborted', true);
          return DONE;
        }
        throw this.#interrupt(step.error, false, true);
      case 'timeout':
        throw this.#interrupt(new TimeoutError(this.#o.model, this.#o.stallTimeoutMs!, 'Stream stall'), true, true);
      case 'aborted':
        this.#finish('aborted', true);
        return DONE;
    }
  }

  #quietAbort(): boolean {
    return this.#o.signal?.aborted === true && !this.#selfAbort;
  }

  #deliver(value: unknown): IteratorResult<unknown> {
    const i = this.#delivered++;
    if (this.#o.onChunk) this.#safe(() => this.#o.onChunk!(value, i));
    return { value, done: false };
  }

  /** Pulls one chunk, racing the timeout and the abort signal. Never rejects. */
  #step(timeoutMs: number | undefined): Promise<Step> {
    if (this.#o.signal?.aborted && !this.#selfAbort) return Promise.resolve({ kind: 'aborted' });
    return this.#pull.step(timeoutMs);
  }

  #onAbort = (): void => {
    if (this.#selfAbort) return;
    // Committed and idle (the caller is between reads, no pull to wake): end now, so nothing waits on a dead request.
    if (!this.#pull.wake({ kind: 'aborted' }) && this.#committed) this.#finish('aborted', true);
  };

  #commit(): StreamCommitInfo {
    this.#committed = true;
    const now = this.#o.clock.now();
    this.#lastRead = now;
    if (!this.#sourceDone) this.#armIdle(this.#idleLimit);
    const info: StreamCommitInfo = Object.freeze({
      ttftMs: this.#firstAt === undefined ? undefined : this.#firstAt - this.#startedAt,
      bufferedChunks: this.#buffer.length,
      committedAt: now,
    });
    if (this.#o.onCommit) this.#safe(() => this.#o.onCommit!(info));
    return info;
  }

  #failEarly(error: unknown, outcome: 'failed' | 'aborted', hard = false): unknown {
    if (hard) this.#abortRequest(error);
    this.#finish(outcome, true);
    return error;
  }

  /** A committed stream failed: type the error, tell onError, and end (unless more parts follow). */
  #interrupt(cause: unknown, hard: boolean, end: boolean): StreamInterruptedError {
    const reason = hard ? 'timeout' : classifyError(cause, this.#o.clock.now()).kind;
    const error = new StreamInterruptedError(this.#o.model, reason, this.#progress(), cause);
    this.#failure = error;
    if (hard) this.#abortRequest(cause);
    if (this.#o.onError) this.#safe(() => this.#o.onError!(error, this.#summary('failed')));
    if (end) this.#finish('failed', true);
    return error;
  }

  #abortRequest(reason: unknown): void {
    this.#selfAbort = true;
    if (this.#o.abort) this.#safe(() => this.#o.abort!(reason));
    this.#close(true);
  }

  #close(hard: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#source.close(hard);
  }

  #finish(outcome: StreamOutcome, close: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endedIdle = outcome === 'idle';
    if (this.#idleTimer !== undefined) this.#o.clock.clearTimeout(this.#idleTimer);
    this.#o.signal?.removeEventListener('abort', this.#onAbort);
    if (outcome !== 'complete') this.#buffer.length = 0;
    if (outcome === 'abandoned' || outcome === 'idle') this.#abortRequest(new DOMException('The stream was abandoned by its reader', 'AbortError'));
    else if (close) this.#close(false);
    const summary = this.#summary(outcome);
    if (this.#o.onEnd) this.#safe(() => this.#o.onEnd!(summary));
    this.#resolveEnded(summary);
  }

  #progress(cut = true): StreamProgress {
    return {
      chunks: this.#delivered,
      ttftMs: this.#firstAt === undefined ? undefined : this.#firstAt - this.#startedAt,
      durationMs: this.#o.clock.now() - this.#startedAt,
      // Cut short: output the provider had not counted yet is estimated from the text delivered.
      usage: cut ? this.#usage.partial() : this.#usage.result(),
    };
  }

  #summary(outcome: StreamOutcome): StreamSummary {
    return Object.freeze({ ...this.#progress(outcome !== 'complete'), outcome, committed: this.#committed });
  }

  // A throwing hook is the hook's bug; it must never break the caller's stream.
  #safe(fn: () => void): void {
    try {
      fn();
    } catch {
      /* ignored on purpose */
    }
  }
}
