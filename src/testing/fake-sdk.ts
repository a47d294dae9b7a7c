/**
 * What the SDK fakes share: an `APIPromise`-like result and a `Stream`-like
 * object, shaped like the official SDKs' (no SDK is imported at run time).
 */
import type { FakeResult } from './fake-provider.js';

/** A promise of the data that also answers `.withResponse()` and `.asResponse()`, like the SDKs' `APIPromise`. */
export function fakeAPIPromise<T>(data: Promise<T>, streaming: boolean): Promise<T> {
  const response = (d: unknown) =>
    new Response(streaming ? null : JSON.stringify(d), {
      status: 200,
      headers: { 'content-type': streaming ? 'text/event-stream' : 'application/json', 'request-id': 'req_fake', 'x-request-id': 'req_fake' },
    });
  const withResponse = () => data.then((d) => ({ data: d, response: response(d), request_id: 'req_fake' }));
  return Object.assign(data, { withResponse, asResponse: () => data.then(response) });
}

/**
 * A stream like the SDKs' `Stream`: async-iterable once, with the
 * `controller` that aborts it, `tee()` and `toReadableStream()`. Aborting ends
 * the iteration quietly, as in the SDKs.
 */
export class FakeStream<T> implements AsyncIterable<T> {
  readonly iterator: () => AsyncIterator<T>;
  readonly controller: AbortController;

  constructor(iterator: () => AsyncIterator<T>, controller: AbortController) {
    this.iterator = iterator;
    this.controller = controller;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.iterator();
  }

  /** Two streams that each yield every item. */
  tee(): [FakeStream<T>, FakeStream<T>] {
    const source = this.iterator();
    const queues: IteratorResult<T>[][] = [[], []];
    const branch = (i: 0 | 1) => () => ({
      next: async (): Promise<IteratorResult<T>> => {
        if (queues[i]!.length === 0) {
          const r = await source.next();
          for (const q of queues) q.push(r);
        }
        return queues[i]!.shift()!;
      },
    });
    return [new FakeStream(branch(0), this.controller), new FakeStream(branch(1), this.controller)];
  }

  /** Newline-delimited JSON, as the SDKs' `toReadableStream()`. */
  toReadableStream(): ReadableStream<Uint8Array> {
    const it = this.iterator();
    const encoder = new TextEncoder();
    return new ReadableStream({
      async pull(c) {
        const r = await it.next();
        if (r.done) c.close();
        else c.enqueue(encoder.encode(`${JSON.stringify(r.value)}\n`));
      },
    });
  }
}

/**
 * A stream of `chunks` for `result`: fails with the scripted error after
 * `afterChunks` text chunks (`step.streamError`), ends quietly on abort.
 * `isText` tells which chunks carry text.
 */
export function fakeStream<T>(chunks: readonly T[], result: FakeResult, isText: (chunk: T) => boolean, signal?: AbortSignal | null): FakeStream<T> {
  const controller = new AbortController();
  if (signal) {
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  const failure = result.streamFailure;
  let used = false;
  async function* generate(): AsyncGenerator<T> {
    let texts = 0;
    for (const chunk of chunks) {
      if (controller.signal.aborted) return;
      if (isText(chunk)) {
        if (failure && texts === failure.afterChunks) throw failure.error();
        texts++;
      }
      yield chunk;
    }
    if (failure && texts <= failure.afterChunks) throw failure.error();
  }
  return new FakeStream<T>(() => {
    if (used) throw new Error('Cannot iterate over a consumed stream, use `.tee()` to split the stream.');
    used = true;
    return generate();
  }, controller);
}

/** The text split into a few chunks at word boundaries, spaces kept. */
export function textChunks(text: string): string[] {
  const parts = text.match(/\S+\s*|\s+/g);
  return parts && parts.length > 0 ? parts : [text];
}
