import { describe, expect, it } from 'vitest';
import { type StreamEmitter, type StreamEvents, streamEventHooks } from '../../src/stream/events.js';
import { primeStream } from '../../src/stream/prime.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { drain, scriptedIterable } from './scripted.js';

function recorder(listening: readonly (keyof StreamEvents)[]) {
  const emitted: [string, unknown][] = [];
  const asked: string[] = [];
  const bus: StreamEmitter = {
    wants: (n) => {
      asked.push(n);
      return listening.includes(n);
    },
    emit: (n, p) => void emitted.push([n, p]),
  };
  return { bus, emitted, asked };
}

describe('stream events', () => {
  it('emits committed, failed and end with counts and timings only', async () => {
    const clock = createFakeClock();
    const { bus, emitted } = recorder(['stream:committed', 'stream:failed', 'stream:end']);
    const { iterable, it: src } = scriptedIterable();
    const hooks = streamEventHooks(bus, { clock, model: 'm1', attempt: 2, taskId: 't1' });
    const p = primeStream(iterable, { clock, model: 'm1', stallTimeoutMs: 100, ...hooks });
    await clock.advance(40);
    src.push({ choices: [{ delta: { content: 'private words' } }] });
    const primed = await p;
    const out = drain(primed.value);
    await clock.advance(100);
    await out;
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    expect(emitted).toEqual([
      ['stream:committed', { timestamp: t0 + 40, model: 'm1', attempt: 2, taskId: 't1', ttftMs: 40, bufferedChunks: 1 }],
      ['stream:failed', { timestamp: t0 + 140, model: 'm1', attempt: 2, taskId: 't1', kind: 'timeout', chunks: 1, ttftMs: 40, durationMs: 140 }],
      ['stream:end', { timestamp: t0 + 140, model: 'm1', attempt: 2, taskId: 't1', outcome: 'failed', chunks: 1, ttftMs: 40, durationMs: 140 }],
    ]);
    expect(JSON.stringify(emitted)).not.toContain('private words');
  });

  it('builds nothing when nobody listens, and skips stream:end for an uncommitted stream', async () => {
    const clock = createFakeClock();
    const { bus, emitted, asked } = recorder(['stream:end']);
    const { iterable, it: src } = scriptedIterable();
    src.fail(new Error('first'));
    await primeStream(iterable, { clock, model: 'm', ...streamEventHooks(bus, { clock, model: 'm', attempt: 1 }) }).catch(() => {});
    expect(emitted).toEqual([]);
    expect(asked).toEqual([]);
  });
});
