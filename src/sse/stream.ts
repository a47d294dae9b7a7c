import { type Clock, type TimerHandle, systemClock } from '../clock/clock.js';
import { redact } from '../errors/redact.js';
import { EVENT_NAMES, type ObservableClient, readSnapshot } from './observable.js';
import { type EventStreamOptions, resolveEventStreamOptions } from './options.js';

/** Response headers for a `text/event-stream`; `x-accel-buffering` stops nginx from holding frames back. */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
});

/** Reconnect delay the browser's EventSource uses after a drop. */
const RETRY_MS = 2_000;

/**
 * Turns the client's events into a web `ReadableStream` of `text/event-stream`
 * frames: `event: <name>` with the JSON payload as `data:`, a `snapshot` frame on
 * connect and every `snapshotEveryMs`, and `: heartbeat` comments. With
 * `history`, the recorded past is replayed first, oldest frame first.
 *
 * Cancelling the stream or aborting `signal` removes every listener and timer.
 *
 * @example
 * // Next.js route handler / Hono
 * export const GET = (req: Request) =>
 *   new Response(createEventStream(client, { signal: req.signal }), { headers: SSE_HEADERS });
 */
export function createEventStream(client: ObservableClient, options: EventStreamOptions = {}): ReadableStream<Uint8Array> {
  const o = resolveEventStreamOptions(options);
  const clock: Clock = o.clock ?? systemClock;
  const names = o.events ?? EVENT_NAMES;
  const snapshotEvery = o.snapshotEveryMs ?? 2_000;
  const heartbeatEvery = o.heartbeatMs ?? 15_000;
  const signal = o.signal;
  const encoder = new TextEncoder();

  const unsubs: (() => void)[] = [];
  let snapshotTimer: TimerHandle | undefined;
  let heartbeatTimer: TimerHandle | undefined;
  let ctrl: ReadableStreamDefaultController<Uint8Array> | undefined;
  let closed = false;
  let id = 0;
  let dropped = 0;

  const cleanup = () => {
    if (closed) return;
    closed = true;
    for (const u of unsubs.splice(0)) u();
    if (snapshotTimer) clock.clearTimeout(snapshotTimer);
    if (heartbeatTimer) clock.clearTimeout(heartbeatTimer);
    snapshotTimer = heartbeatTimer = undefined;
    signal?.removeEventListener('abort', onAbort);
  };
  const onAbort = () => {
    const c = ctrl;
    cleanup();
    try {
      c?.close();
    } catch {
      // already closed or errored by the reader: nothing left to end
    }
  };

  const write = (text: string) => {
    if (closed || !ctrl) return;
    // A stalled reader must not make the server buffer without bound: drop, and say so once it drains.
    if ((ctrl.desiredSize ?? 1) <= 0) {
      dropped++;
      return;
    }
    if (dropped > 0) {
      ctrl.enqueue(encoder.encode(`: dropped ${dropped} frames\n\n`));
      dropped = 0;
    }
    ctrl.enqueue(encoder.encode(text));
  };
  // JSON.stringify escapes newlines, so `data` is always one line; redact is a last guard for our no-secrets rule.
  const frame = (event: string, payload: unknown) => write(`event: ${event}\nid: ${++id}\ndata: ${redact(JSON.stringify(payload) ?? 'null')}\n\n`);

  // Frame: `{ timestamp, snapshot, budget? }`. The budget is read asynchronously (its store may be remote);
  // without one the frame goes out at once.
  const sendSnapshot = () => {
    let snap: unknown;
    let budget: Promise<unknown> | undefined;
    try {
      snap = readSnapshot(client, clock.now());
      budget = client.budgetSnapshot?.(); // undefined without a budget: then the frame goes out synchronously
    } catch {
      write(': snapshot unavailable\n\n'); // a failing monitor must not end the feed
      return;
    }
    const send = (b: unknown) => frame('snapshot', { timestamp: clock.now(), snapshot: snap, ...(b !== undefined ? { budget: b } : {}) });
    if (budget) void budget.then(send, () => send(undefined)); // a failing budget store must not end the feed
    else send(undefined);
  };
  const scheduleSnapshot = () => {
    if (snapshotEvery === false || closed) return;
    snapshotTimer = clock.setTimeout(() => {
      sendSnapshot();
      scheduleSnapshot();
    }, snapshotEvery);
  };
  const scheduleHeartbeat = () => {
    if (heartbeatEvery === false || closed) return;
    heartbeatTimer = clock.setTimeout(() => {
      write(': heartbeat\n\n');
      scheduleHeartbeat();
    }, heartbeatEvery);
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        ctrl = controller;
        if (signal?.aborted) {
          closed = true;
          controller.close();
          return;
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        write(`retry: ${RETRY_MS}\n\n`);
        for (const past of o.history?.frames() ?? []) frame(past.event, past.data);
        sendSnapshot();
        for (const name of names) unsubs.push(client.on(name, (payload: unknown) => frame(name, payload)));
        scheduleSnapshot();
        scheduleHeartbeat();
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: o.maxQueuedFrames ?? 1_000 },
  );
}
