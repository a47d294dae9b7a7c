import type { WriteStream } from 'node:fs';
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
  readonly onError?: ((error: unknown) => void) | undefined;
}

/**
 * An event sink that appends every event to a JSON Lines file, for
 * `llm-resilience report`. Writes are buffered by a stream, so the hot path
 * never waits on the disk. Lines are passed through `redact` as a last guard:
 * payloads of ours carry no credential, but a host's custom event might.
 *
 * @example
 * const sink = createJsonlSink('./events.jsonl');
 * client.on('failure', (e) => sink.write('failure', e));
 * process.on('beforeExit', () => sink.close());
 */
export function createJsonlSink(path: string, options: JsonlSinkOptions = {}): JsonlSink {
  let closed = false;
  let stream: WriteStream | undefined;
  let pending: string[] | undefined = [];
  // `node:fs` is loaded on first use, not at the top: the main entry that
  // exports this must stay importable where `node:fs` does not exist.
  const opened = import('node:fs').then(
    (fs) => {
      stream = fs.createWriteStream(path, { flags: 'a', encoding: 'utf8' });
      stream.on('error', (e) => options.onError?.(e));
      for (const line of pending!) stream.write(line);
      pending = undefined;
    },
    (e: unknown) => {
      pending = undefined;
      options.onError?.(e);
    },
  );
  return {
    path,
    write(event, payload) {
      if (closed) return;
      let line: string;
      try {
        const record: Record<string, unknown> = { event, ...payload };
        record.event = event; // a payload field named `event` must not hide the name
        line = `${redact(JSON.stringify(record))}\n`;
      } catch (e) {
        options.onError?.(e);
        return;
      }
      if (stream) stream.write(line);
      else pending?.push(line);
    },
    async close() {
      if (closed) return;
      closed = true;
      await opened;
      if (stream) await new Promise<void>((resolve) => stream!.end(() => resolve()));
    },
  };
}
