import { type StreamKind, streamKind } from './detect.js';
import { type ChunkSource, type PumpOptions, type StreamCommitInfo, StreamPump, type StreamSummary } from './pump.js';
import { iteratorOf, proxyOf, toReadable } from './shape.js';

export type { StreamCommitInfo, StreamOutcome, StreamSummary } from './pump.js';

/** Options of {@link primeStream}, built by the client per attempt (each field documented on PumpOptions). */
export type PrimeOptions = PumpOptions;

export interface Primed<T> {
  /** What the caller gets back: iterated exactly like the original. */
  readonly value: T;
  readonly kind: StreamKind;
  readonly commit: StreamCommitInfo;
  /** Resolves once, when the stream ends in any way; never rejects. */
  readonly ended: Promise<StreamSummary>;
}

const noop = () => {};
type Bag = Record<PropertyKey, unknown>;

/**
 * Pulls a stream up to its first content chunk, then hands it back committed.
 *
 * Rejects (so the client retries or falls back like any failed attempt) when
 * the stream errors before that chunk, an error event comes first, the
 * first-chunk timeout passes, or the signal aborts. Once resolved, later
 * failures reach the caller as `StreamInterruptedError` and `onError`.
 *
 * @throws TypeError when `result` is not a stream (check with `isStreamResult` first).
 */
export async function primeStream<T>(result: T, options: PrimeOptions): Promise<Primed<T>> {
  const kind = streamKind(result);
  if (kind === undefined) throw new TypeError('primeStream: the value is not a stream (check isStreamResult first)');
  const target = result as Bag;
  const source = kind === 'readable-stream' ? readerSource(target as unknown as ReadableStream, false)
    : kind === 'ai-sdk' ? readerSource(target.stream as ReadableStream, true)
    : iteratorSource(target);
  const pump = new StreamPump(source, options);
  const commit = await pump.prime();
  const value = (kind === 'readable-stream' ? toReadable(pump)
    : kind === 'ai-sdk' ? { ...target, stream: toReadable(pump) }
    : typeof target.next === 'function' ? iteratorOf(pump) // an async generator: it is its own iterator
    : proxyOf(target, pump)) as T;
  return { value, kind, commit, ended: pump.ended };
}

function iteratorSource(target: Bag): ChunkSource {
  const it = (target[Symbol.asyncIterator] as () => AsyncIterator<unknown>).call(target);
  const controller = target.controller as AbortController | undefined;
  return {
    errorParts: false,
    // Anthropic's MessageStream iterator ends quietly when an error arrives
    // between two reads; the stream itself knows (`errored`, and `done()`
    // rejects with the error). Surface it instead of reporting `complete`.
    next: async () => {
      const r = await it.next();
      if (r.done && target.errored === true && typeof target.done === 'function') {
        const error = await (target.done as () => Promise<unknown>).call(target).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (error !== undefined) throw error;
      }
      return r;
    },
    close(hard) {
      try {
        if (hard && controller && typeof controller.abort === 'function') controller.abort();
        void Promise.resolve(it.return?.()).catch(noop);
      } catch {
        /* a broken return() must not mask the stream's own outcome */
      }
    },
  };
}

function readerSource(stream: ReadableStream<unknown>, errorParts: boolean): ChunkSource {
  const reader = stream.getReader();
  return {
    errorParts,
    next: () => reader.read() as Promise<IteratorResult<unknown>>,
    close: () => void reader.cancel().catch(noop),
  };
}
