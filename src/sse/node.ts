import type { ServerResponse } from 'node:http';
import { SSE_HEADERS } from './stream.js';

/**
 * Writes an event stream to a Node `http` response, honouring back-pressure,
 * and cancels the stream (removing its listeners and timers) when the client
 * goes away. Resolves once the response has ended.
 *
 * It watches `res`'s `close` rather than `req`'s: since Node 16 `req` emits
 * `close` as soon as its body is read, which for a GET is at once.
 *
 * @example
 * http.createServer((req, res) => {
 *   if (req.url === '/events') void pipeToNodeResponse(createEventStream(client), res);
 * });
 */
export async function pipeToNodeResponse(stream: ReadableStream<Uint8Array>, res: ServerResponse, headers: Readonly<Record<string, string>> = SSE_HEADERS): Promise<void> {
  const reader = stream.getReader();
  let gone = false;
  let wake: (() => void) | undefined;
  const onClose = () => {
    gone = true;
    wake?.();
    reader.cancel().catch(() => {});
  };
  res.on('close', onClose);
  try {
    if (!res.headersSent) {
      res.writeHead(200, { ...headers });
      res.flushHeaders();
    }
    while (!gone) {
      const { done, value } = await reader.read();
      if (done || gone) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          res.once('drain', resolve);
        });
        res.off('drain', wake!);
        wake = undefined;
      }
    }
  } catch {
    // the stream errored: end the response below; nothing useful to send the client
  } finally {
    res.off('close', onClose);
    if (!gone) await reader.cancel().catch(() => {});
    if (!res.writableEnded) res.end();
  }
}
