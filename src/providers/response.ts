/**
 * What a wrapped SDK call returns: a promise of the data that also answers the
 * SDK's `APIPromise` methods `.withResponse()` and `.asResponse()`.
 */
import { isStreamResult } from '../stream/detect.js';

/** What `.withResponse()` resolves to in both SDKs. */
export interface WithResponse<T> {
  readonly data: T;
  readonly response: Response;
  readonly request_id?: string | null | undefined;
}

/** The SDK call as a wrapper sees it: an `APIPromise`, of which only `.withResponse()` is used. */
export interface APIPromiseLike<T> extends PromiseLike<T> {
  withResponse?(): Promise<WithResponse<T>>;
  /** The SDK's internal transform; used only to read the response props. */
  _thenUnwrap?(transform: (data: T, props: unknown) => T): APIPromiseLike<T>;
}

export type ResilientPromise<T> = Promise<T> & {
  withResponse(): Promise<WithResponse<T>>;
  asResponse(): Promise<Response>;
};

/** What the winning attempt leaves behind: its `Response`, and the SDK's own response props when it gave them. */
export interface LastAttempt {
  response?: Response;
  /** `{ response, options, … }` as the SDK hands them to an `APIPromise` transform (the request as sent). */
  props?: unknown;
}

/**
 * A promise of the data that also answers `.withResponse()` and `.asResponse()`,
 * like the SDK's own `APIPromise`; `last` holds the response of the attempt that
 * succeeded.
 */
export function resilientPromise<T>(data: Promise<T>, last: LastAttempt): ResilientPromise<T> {
  const withResponse = data.then((d) => {
    const response = last.response as Response;
    return { data: d, response, request_id: response?.headers?.get?.('request-id') ?? response?.headers?.get?.('x-request-id') ?? null };
  });
  // The caller may use only one of the forms; the others must not surface as unhandled rejections.
  withResponse.catch(() => {});
  return Object.assign(data, {
    withResponse: () => withResponse,
    asResponse: () => withResponse.then(({ data: d, response }) => rebuildResponse(d, response)),
    // The SDKs' own helpers (`chat.completions.parse`, `responses.parse`) post-process the
    // promise `create` returns with this internal `APIPromise` method; the transform sees
    // the winning attempt's data and request, as it would on the SDK's promise.
    _thenUnwrap: <U>(transform: (d: T, props: unknown) => U) =>
      resilientPromise(
        data.then((d) => transform(d, last.props ?? { response: last.response, options: {} })),
        last,
      ),
    // Anthropic's message threads (and the tool runner on them) take the unparsed
    // response props and parse the body themselves; the body they get is the
    // winning attempt's, rebuilt from the data as for `.asResponse()`.
    _responseProps: () =>
      withResponse.then(({ data: d, response }) => ({ ...(last.props as object | undefined), response: rebuildResponse(d, response) })),
  });
}

// The body is rebuilt from the parsed data, so these describe bytes that are gone.
const STALE_HEADERS = ['content-length', 'content-encoding', 'transfer-encoding'];

/**
 * The winning attempt's `Response`, as `.asResponse()` gives it: its status and
 * headers, with a body you can read. The pipeline had to read the original
 * body (to check the result, read usage, retry or fall back), so the body is
 * the SDK's parsed data serialized again: JSON for a result, server-sent
 * events (`event:` from a chunk's `type`, `data:` its JSON) for a stream.
 */
export function rebuildResponse(data: unknown, response: Response | undefined): Response {
  const headers = new Headers(response?.headers);
  for (const h of STALE_HEADERS) headers.delete(h);
  const init = { status: response?.status ?? 200, statusText: response?.statusText ?? '', headers };
  if (!isStreamResult(data) || typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') {
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(JSON.stringify(data), init);
  }
  const iterator = (data as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      const r = await iterator.next();
      if (r.done) return c.close();
      const type = (r.value as { type?: unknown } | null)?.type;
      c.enqueue(encoder.encode(`${typeof type === 'string' ? `event: ${type}\n` : ''}data: ${JSON.stringify(r.value)}\n\n`));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(body, init);
}
