/**
 * A minimal stand-in for the browser's `EventSource`, fed by a
 * `text/event-stream` body, so the consumer-side examples run under Node 20
 * (which has no EventSource). It dispatches one `MessageEvent` per frame,
 * named after the frame's `event:` line; comments (heartbeats) are skipped.
 */
export function eventSourceFrom(body: ReadableStream<Uint8Array>): EventSource {
  const target = new EventTarget();
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const dispatch = (frame: string) => {
    let name = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0) target.dispatchEvent(new MessageEvent(name, { data: data.join('\n') }));
  };
  void (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  })().catch(() => {}); // cancelled by close()
  // Cancelling the reader cancels the stream, which removes the client listeners.
  const close = () => void reader.cancel().catch(() => {});
  return Object.assign(target, { close }) as unknown as EventSource;
}
