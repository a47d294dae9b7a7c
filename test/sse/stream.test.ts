import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ResilientClient, isConfigError } from '../../src/index.js';
import { createEventStream, eventSchemas, pipeToNodeResponse, SSE_HEADERS } from '../../src/sse/index.js';
import { createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';

interface Frame {
  event?: string;
  data?: string;
  comment?: string;
  retry?: string;
}

/** Parses complete frames out of an SSE buffer; returns the unparsed rest. */
function parseFrames(buffer: string, out: Frame[]): string {
  const parts = buffer.split('\n\n');
  const rest = parts.pop()!;
  for (const part of parts) {
    const f: Frame = {};
    for (const line of part.split('\n')) {
      if (line.startsWith(':')) f.comment = line.slice(1).trim();
      else {
        const i = line.indexOf(':');
        const key = line.slice(0, i) as keyof Frame;
        f[key] = line.slice(i + 1).trimStart();
      }
    }
    out.push(f);
  }
  return rest;
}

async function readAll(stream: ReadableStream<Uint8Array>, frames: Frame[]): Promise<void> {
  const decoder = new TextDecoder();
  let buf = '';
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buf = parseFrames(buf + decoder.decode(value, { stream: true }), frames);
  }
}

function setup() {
  const clock = createFakeClock();
  const provider = createFakeProvider(clock, { primary: [step.serverError(503)], secondary: [step.success({ text: 'SECRET-COMPLETION' })] });
  // preferFallback off: this test wants the retry frame; by default the 503 would go straight to the secondary.
  const client = new ResilientClient({ models: ['primary', 'secondary'], clock, retry: { maxRetries: 1, initialDelayMs: 100, jitter: 'none', preferFallback: false } });
  return { clock, provider, client };
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe('createEventStream over real HTTP', () => {
  it('delivers named JSON frames to a request on 127.0.0.1, and aborting it removes every listener and timer', async () => {
    const { clock, provider, client } = setup();
    let finished: Promise<void> | undefined;
    server = createServer((req, res) => {
      finished = pipeToNodeResponse(createEventStream(client, { clock, snapshotEveryMs: 1_000, heartbeatMs: 5_000 }), res);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;

    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/events`, { signal: abort.signal });
    expect(res.headers.get('content-type')).toBe(SSE_HEADERS['content-type']);
    await vi.waitFor(() => expect(client.listenerCount()).toBeGreaterThan(0));

    const frames: Frame[] = [];
    const reading = readAll(res.body!, frames).catch(() => {});
    const run = client.run(provider.call);
    await clock.advance(100);
    await run;
    await clock.advance(5_000); // snapshots every second, one heartbeat
    await vi.waitFor(() => expect(frames.filter((f) => f.comment === 'heartbeat')).toHaveLength(1));

    expect(frames[0]).toEqual({ retry: '2000' });
    const named = frames.filter((f) => f.event && f.event !== 'snapshot').map((f) => f.event);
    expect(named).toEqual(['attempt', 'failure', 'retry', 'attempt', 'failure', 'fallback', 'attempt', 'success']);
    for (const f of frames.filter((x) => x.event && x.event !== 'snapshot')) {
      const schema = eventSchemas[f.event as keyof typeof eventSchemas];
      expect(schema.safeParse(JSON.parse(f.data!)).success).toBe(true);
    }
    const snapshots = frames.filter((f) => f.event === 'snapshot').map((f) => JSON.parse(f.data!));
    expect(snapshots).toHaveLength(6); // on connect, then at 1, 2, 3, 4, 5 s
    expect(snapshots[0].snapshot.models).toEqual(['primary', 'secondary']);
    expect(snapshots.at(-1).snapshot.breakers.primary.state).toBe('closed');
    expect(frames.map((f) => f.data ?? '').join('')).not.toContain('SECRET-COMPLETION');

    abort.abort();
    await reading;
    await vi.waitFor(() => expect(client.listenerCount()).toBe(0));
    await finished;
    expect(clock.pending()).toBe(0);
    client.dispose();
  });
});

describe('createEventStream', () => {
  it('stops on the signal: stream closes, listeners and timers gone', async () => {
    const { clock, client } = setup();
    const ac = new AbortController();
    const stream = createEventStream(client, { clock, signal: ac.signal, events: ['fallback'] });
    const frames: Frame[] = [];
    const reading = readAll(stream, frames);
    expect(client.listenerCount()).toBe(1);
    expect(clock.pending()).toBe(2); // snapshot + heartbeat: one each, never one per model
    ac.abort();
    await reading;
    expect(client.listenerCount()).toBe(0);
    expect(clock.pending()).toBe(0);
    expect(frames.map((f) => f.event ?? f.retry)).toEqual(['2000', 'snapshot']);
  });

  it('cleans up when the reader cancels', async () => {
    const { clock, client } = setup();
    const stream = createEventStream(client, { clock });
    const reader = stream.getReader();
    await reader.read();
    expect(client.listenerCount()).toBeGreaterThan(0);
    await reader.cancel();
    expect(client.listenerCount()).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('uses the client snapshot when it has one, and survives a throwing one', async () => {
    const clock = createFakeClock();
    let fail = false;
    const fake = {
      on: () => () => {},
      snapshot: () => {
        if (fail) throw new Error('boom');
        return { models: { a: { health: 'healthy' } } };
      },
    };
    const ac = new AbortController();
    const frames: Frame[] = [];
    const reading = readAll(createEventStream(fake, { clock, signal: ac.signal, snapshotEveryMs: 100, heartbeatMs: false }), frames);
    fail = true;
    await clock.advance(100);
    ac.abort();
    await reading;
    expect(JSON.parse(frames[1]!.data!).snapshot).toEqual({ models: { a: { health: 'healthy' } } });
    expect(frames[2]).toEqual({ comment: 'snapshot unavailable' });
  });

  it('drops frames for a stalled reader instead of buffering without bound, and says how many', async () => {
    const listeners: ((p: unknown) => void)[] = [];
    const fake = { on: (_: string, fn: (p: unknown) => void) => (listeners.push(fn), () => {}) };
    const stream = createEventStream(fake, { events: ['alert'], maxQueuedFrames: 3, snapshotEveryMs: false, heartbeatMs: false, clock: createFakeClock() });
    for (let i = 0; i < 10; i++) listeners[0]!({ timestamp: i });
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (let i = 0; i < 3; i++) text += decoder.decode((await reader.read()).value);
    listeners[0]!({ timestamp: 99 });
    text += decoder.decode((await reader.read()).value);
    expect(text).toContain(': dropped 9 frames');
    await reader.cancel();
  });

  it('rejects bad options with a ConfigError naming the path', () => {
    const { client } = setup();
    let err: unknown;
    try {
      createEventStream(client, { heartbeatMs: -5 });
    } catch (e) {
      err = e;
    }
    expect(isConfigError(err)).toBe(true);
    expect((err as Error).message).toContain('createEventStream.heartbeatMs: expected a positive number of milliseconds, received -5');
  });
});
