import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../src/monitor/replay.js';
import { createJsonlSink } from '../../src/monitor/sink.js';

describe('createJsonlSink', () => {
  it('appends one JSON line per event, across sinks, and never writes a credential', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'llmr-sink-')), 'events.jsonl');
    const a = createJsonlSink(path);
    a.write('success', { timestamp: 1, model: 'm', attempt: 1, latencyMs: 12 });
    a.write('custom', { timestamp: 2, event: 'spoof', note: 'x-api-key: abcdefghijkl' });
    await a.close();
    a.write('late', { timestamp: 3 });
    const b = createJsonlSink(path);
    b.write('failure', { timestamp: 4, model: 'm', kind: 'server' });
    await b.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => parseLogLine(l)?.event)).toEqual(['success', 'custom', 'failure']);
    expect(JSON.parse(lines[0]!)).toEqual({ event: 'success', timestamp: 1, model: 'm', attempt: 1, latencyMs: 12 });
    expect(lines[1]).not.toContain('abcdefghijkl');
  });

  it('is exported by the main entry, which loads node:fs only when a sink is created', async () => {
    const main = await import('../../src/index.js');
    expect(main.createJsonlSink).toBe(createJsonlSink);
    const path = join(mkdtempSync(join(tmpdir(), 'llmr-sink-')), 'events.jsonl');
    const sink = main.createJsonlSink(path);
    sink.write('success', { timestamp: 1 }); // before the file is open: kept, in order
    sink.write('failure', { timestamp: 2 });
    await sink.close();
    expect(readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).event)).toEqual(['success', 'failure']);
  });

  it('reports an open error instead of throwing', async () => {
    const errors: unknown[] = [];
    const sink = createJsonlSink(join(tmpdir(), 'no-such-dir-llmr', 'x', 'e.jsonl'), { onError: (e) => errors.push(e) });
    sink.write('success', { timestamp: 1 });
    await sink.close();
    expect((errors[0] as { code?: string }).code).toBe('ENOENT');
  });
});
