import { createWriteStream } from 'node:fs';
import { redact } from '../errors/redact.js';

export interface JsonlSink {
  readonly path: string;
  /** Appends `{"event": name, ...payload}` as one line. Never throws: write errors go to `onError`. */
  write(event: string, payload: object): void;
  /** Flushes and closes the file. Writes after close are dropped. */
  close(): Promise<void>;
}

export interface JsonlSinkOptions {
  /** Called on a write or open error (disk full, permission). The sink never throws into the caller. */
  readonly onError?: (error: unknown) => void;
}

/**
 * An event sink that appends every event to a JSON Lines file, for
 * `llm-resilience report`. Writes are buffered by a stream, so the hot path
 * never waits on the disk. Lines are passed through `redact` as a last guard:
 * payloads of ours carry no credential, but a host's custom event might.
 */
export function createJsonlSink(path: string, options: JsonlSinkOptions = {}): JsonlSink {
  const stream = createWriteStream(path, { flags: 'a', encoding: 'utf8' });
  let closed = false;
  stream.on('error', (e) => options.onError?.(e));
  return {
    path,
    write(event, payload) {
      if (closed) return;
      let line: string;
      try {
        const record: Record<string, unknown> = { event, ...payload };
        record.event = event; // a payload field named `event` must not hide the name
        line = JSON.stringify(record);
      } catch (e) {
        options.onError?.(e);
        return;
      }
      stream.write(`${redact(line)}\n`);
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => stream.end(() => resolve()));
    },
  };
}
