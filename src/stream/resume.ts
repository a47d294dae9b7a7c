/**
 * Streams that survive mid-answer: a committed stream that fails is continued
 * by a new request carrying the partial answer (see continue.ts), and the new
 * stream is spliced into the one the caller is reading. The caller's loop sees
 * one stream: the continuation's opening events are dropped and its indexes
 * and ids renumbered, so the SDKs' helpers assemble one message.
 */
import { type Format, formatOf } from './continue.js';
import { errorOfPart, streamKind } from './detect.js';
import { type StreamInterruptedError, type StreamResumeRefusal, isIdleFailure, isStreamInterruptedError, refuseResume } from './errors.js';
import type { ResolvedResume } from './options.js';
import { type Pullable, iteratorOf, proxyOf, toReadable } from './shape.js';
import { type StreamUsage, isEstimatedUsage } from './usage.js';

/** A continuation that started: its stream (committed), the model that serves it, and whether it sent the request it was given. */
export interface Continuation {
  readonly value: unknown;
  readonly model: string | undefined;
  readonly usedRequest: boolean;
}

export interface StreamResumedInfo {
  /** The model whose stream failed. */
  readonly model: string;
  /** The model the continuation runs on. */
  readonly resumedOn: string | undefined;
  /** Items the caller had received when the stream failed, across every part so far. */
  readonly afterChunks: number;
  /** Characters of answer text the caller had received: the continuation starts after them. */
  readonly afterChars: number;
  /** 1-based: the how-many-th continuation of this answer. */
  readonly resume: number;
  readonly reason: StreamInterruptedError['reason'];
  /** What the failed part used, as its budget settled it; undefined when the provider had reported nothing. */
  readonly usage: StreamUsage | undefined;
  /** True when `usage` (or its output count) is an estimate from the text delivered, or there was none. */
  readonly usageEstimated: boolean;
}

export interface StreamResumeRefusedInfo {
  readonly model: string;
  readonly reason: StreamResumeRefusal;
  readonly afterChunks: number;
}

/** What the splice needs from whoever runs calls (the client). */
export interface ResumeHost {
  readonly options: ResolvedResume;
  /** The request the stream answers. */
  readonly request: unknown;
  /** The call's chain, in order: where `'next'` looks. */
  readonly chain: readonly string[];
  readonly signal: AbortSignal | undefined;
  /** Runs the continuation as a call of its own (retries, fallback, budget) on `models`. */
  start(request: unknown, models: readonly string[], signal: AbortSignal): Promise<Continuation>;
  onResumed?(info: StreamResumedInfo): void;
  onRefused?(info: StreamResumeRefusedInfo): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
const noop = () => {};
type Bag = Record<PropertyKey, unknown>;

/** A reader over one part (a committed stream value as the client hands it back). */
function partReader(value: unknown): Pullable | undefined {
  const kind = streamKind(value);
  if (kind === undefined) return undefined;
  if (kind === 'readable-stream' || kind === 'ai-sdk') {
    const reader = ((kind === 'ai-sdk' ? (value as Bag).stream : value) as ReadableStream<unknown>).getReader();
    return { next: () => reader.read() as Promise<IteratorResult<unknown>>, return: async () => (await reader.cancel().catch(noop), DONE) };
  }
  const it = ((value as Bag)[Symbol.asyncIterator] as () => AsyncIterator<unknown>).call(value);
  return { next: () => it.next(), return: async () => (await Promise.resolve(it.return?.()).catch(noop), DONE) };
}

/** SDK helper objects assemble their result from their own copy of the events: a splice under them would go unseen. */
const isHelper = (v: Bag): boolean => ['finalMessage', 'finalChatCompletion', 'finalResponse'].some((k) => typeof v[k] === 'function');

/**
 * `value` (a committed stream, as the client returns it) in the same shape,
 * continued on failure as `host` allows. Anything that is not a stream is
 * returned as it is.
 */
export function withResume<T>(value: T, host: ResumeHost): T {
  const kind = streamKind(value);
  const first = kind === undefined ? undefined : partReader(value);
  if (kind === undefined || first === undefined) return value;
  const target = value as Bag;
  const splice = new Splice(first, host, kind === 'ai-sdk', isHelper(target) ? 'unsupported-format' : undefined, target);
  if (kind === 'readable-stream') return toReadable(splice) as T;
  if (kind === 'ai-sdk') return { ...target, stream: toReadable(splice) } as T;
  if (typeof target.next === 'function') return iteratorOf(splice) as T;
  // `controller` is the running part's: the SDK aborts a failed part's own, and a helper
  // built on this stream (MessageStream, ChatCompletionStream) would take that for your abort.
  const shaped = proxyOf(target, splice) as Bag;
  return new Proxy(shaped, { get: (t, prop) => (prop === 'controller' ? splice.current.controller : Reflect.get(t, prop)) }) as T;
}

class Splice implements Pullable {
  readonly #host: ResumeHost;
  readonly #aiSdk: boolean;
  readonly #refusal: StreamResumeRefusal | undefined;
  #part: Pullable;
  /** The running part's stream object. */
  current: Bag;
  #format: Format | undefined;
  #remap: ((chunk: unknown) => unknown) | undefined;
  #delivered = 0;
  #resumes = 0;
  #ended = false;
  #starting: AbortController | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(first: Pullable, host: ResumeHost, aiSdk: boolean, refusal: StreamResumeRefusal | undefined, value: Bag) {
    this.#part = first;
    this.current = value;
    this.#host = host;
    this.#aiSdk = aiSdk;
    this.#refusal = refusal;
  }

  /** Serialised like the pump's: overlapping reads cannot start two continuations. */
  next(): Promise<IteratorResult<unknown>> {
    const r = this.#chain.then(() => this.#next());
    this.#chain = r.catch(noop);
    return r;
  }

  async return(): Promise<IteratorResult<unknown>> {
    this.#ended = true;
    this.#starting?.abort(new DOMException('The stream was abandoned by its reader', 'AbortError'));
    return this.#part.return();
  }

  async #next(): Promise<IteratorResult<unknown>> {
    for (;;) {
      if (this.#ended) return DONE;
      let r: IteratorResult<unknown>;
      try {
        r = await this.#part.next();
      } catch (error) {
        if (isStreamInterruptedError(error) && (await this.#resume(error, false))) continue;
        throw error;
      }
      if (r.done) return r;
      // AI SDK: a failure after the commit travels as an error part, and the part's stream goes on to `finish`.
      const failed = this.#aiSdk ? errorOfPart(r.value)?.error : undefined;
      if (isStreamInterruptedError(failed)) {
        if (await this.#resume(failed, true)) continue;
        return r;
      }
      const chunk = this.#remap ? this.#remap(r.value) : r.value;
      if (chunk === undefined) continue;
      this.#format ??= formatOf(chunk, this.#aiSdk);
      this.#format?.see(chunk);
      this.#delivered++;
      return { value: chunk, done: false };
    }
  }

  #refuse(error: StreamInterruptedError, reason: StreamResumeRefusal): false {
    refuseResume(error, reason);
    this.#host.onRefused?.({ model: error.model, reason, afterChunks: this.#delivered });
    return false;
  }

  /** True when a continuation now feeds the caller (or the caller stopped meanwhile); false leaves `error` to them. */
  async #resume(error: StreamInterruptedError, partOpen: boolean): Promise<boolean> {
    const host = this.#host;
    const format = this.#format;
    const refusal = isIdleFailure(error) ? 'idle'
      : this.#refusal ?? (format === undefined ? 'unsupported-format' : format.delivered.refusal ?? format.refuseRequest(host.request))
      ?? (format!.delivered.finished ? 'finished' : this.#resumes >= host.options.maxResumes ? 'max-resumes' : undefined);
    if (refusal !== undefined) return this.#refuse(error, refusal);
    const request = format!.continuation(host.request, host.options.instruction);
    if (request === undefined) return this.#refuse(error, 'unsupported-request');
    this.#resumes++;
    if (partOpen) void this.#part.return(); // the failed part would only send its `finish`
    const controller = (this.#starting = new AbortController());
    const stop = () => controller.abort(host.signal?.reason);
    host.signal?.addEventListener('abort', stop, { once: true });
    if (host.signal?.aborted) stop();
    let next: Continuation;
    try {
      next = await host.start(request, this.#modelsAfter(error.model), controller.signal);
    } catch {
      // Stopped by the caller (their abort, or a `break` while it started): end quietly, as an abort does.
      if (controller.signal.aborted) return (this.#ended = true);
      return this.#refuse(error, 'continuation-failed');
    } finally {
      this.#starting = undefined;
      host.signal?.removeEventListener('abort', stop);
    }
    const reader = partReader(next.value);
    if (!next.usedRequest || !reader) {
      void reader?.return();
      return this.#refuse(error, next.usedRequest ? 'continuation-failed' : 'request-unused');
    }
    this.#part = reader;
    this.current = next.value as Bag;
    this.#remap = format!.remapper();
    const usage = error.received.usage;
    host.onResumed?.({
      model: error.model,
      resumedOn: next.model,
      afterChunks: this.#delivered,
      afterChars: format!.delivered.text.length,
      resume: this.#resumes,
      reason: error.reason,
      usage,
      usageEstimated: usage === undefined || isEstimatedUsage(usage),
    });
    return true;
  }

  #modelsAfter(failed: string): readonly string[] {
    const chain = this.#host.chain;
    const i = chain.indexOf(failed);
    const later = i < 0 ? [] : chain.slice(i + 1);
    if (this.#host.options.model === 'next') return later.length > 0 ? later : [failed];
    return [failed, ...later];
  }
}
