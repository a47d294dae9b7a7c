// examples/conditions.ts, run as users run it (offline: scripted fakes on a fake clock).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/conditions', () => {
  it('retries an answer that is not JSON once, then shows a condition that rejects everything ending on every model', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/conditions.ts'], { cwd: root, timeout: 15_000 });
    expect(stdout.split('\n').filter(Boolean)).toEqual([
      'retry gpt-4.1 (rejected) after 0 ms',
      'answer: {"city":"Paris"}',
      'fallback gpt-4.1 -> gpt-4.1-mini (rejected)',
      'gpt-4.1: rejected, gpt-4.1-mini: rejected',
    ]);
    expect(stderr).toBe('');
  });
});
