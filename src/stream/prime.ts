import { type StreamKind, streamKind } from './detect.js';
import { type ChunkSource, type PumpOptions, type StreamCommitInfo, StreamPump, type StreamSummary } from './pump.js';

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

function iteratorOf(pump: StreamPump): AsyncIterableIterator<unknown> {
  return {
    next: () => pump.next(),
    return: () => pump.return(),
    throw: async (e?: unknown) => {
      await pump.return();
      throw e;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Iterating twice is an error, as in the SDKs; the second iterator says so instead of stealing chunks. */
function once(pump: StreamPump): () => AsyncIterableIterator<unknown> {
  let used = false;
  return () => {
    if (!used) {
      used = true;
      return iteratorOf(pump);
    }
    const err = async () => {
      throw new Error('Cannot iterate over a consumed stream');
    };
    return { next: err, return: async () => ({ value: undefined, done: true }), [Symbol.asyncIterator]() { return this; } };
  };
}

function toReadable(pump: StreamPump): ReadableStream<unknown> {
  return new ReadableStream<unknown>(
    {
      async pull(c) {
        const r = await pump.next(); // a rejection errors the stream with it
        if (r.done) c.close();
        else c.enqueue(r.value);
      },
      async cancel() {
        await pump.return();
      },
    },
    // 0: pull only when the caller reads, so a slow reader is never taken for a stalled provider.
    { highWaterMark: 0 },
  );
}

/**
 * The SDK object with its iteration swapped for ours. Other members are read
 * from the original and methods bound to it (the SDK classes keep private
 * fields, which a proxy as `this` cannot reach), so `finalMessage()`,
 * `controller`, `on()`, `withResponse()` work as before.
 */
function proxyOf(target: Bag, pump: StreamPump): unknown {
  const iterate = once(pump);
  const bound = new Map<PropertyKey, unknown>();
  // The SDK `Stream` class (openai, anthropic): `tee()` and `toReadableStream()`
  // read `this.iterator` and private fields, so they run on a fresh Stream of the
  // same class built over our iterator.
  const isSdkStream = typeof target.iterator === 'function';
  let rebuilt: Bag | undefined;
  const fresh = (): Bag => {
    const Ctor = target.constructor as new (it: () => AsyncIterator<unknown>, c: unknown) => Bag;
    return (rebuilt ??= new Ctor(iterate, target.controller));
  };
  const proxy: object = new Proxy(target, {
    get(t, prop) {
      if (prop === Symbol.asyncIterator) return iterate;
      if (isSdkStream && prop === 'iterator') return iterate;
      if (isSdkStream && (prop === 'tee' || prop === 'toReadableStream')) {
        return (...args: unknown[]) => (fresh()[prop] as (...a: unknown[]) => unknown)(...args);
      }
      const v = Reflect.get(t, prop, t);
      if (typeof v !== 'function') return v;
      // MessageStream / ChatCompletionStream build their readable from `this[Symbol.asyncIterator]`.
      if (prop === 'toReadableStream') return v.bind(proxy);
      let b = bound.get(prop);
      if (b === undefined) bound.set(prop, (b = v.bind(t)));
      return b;
    },
  });
  return proxy;
}
