// examples/stream-resume.ts, run as users run it (offline: a local stand-in on 127.0.0.1).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/stream-resume', () => {
  it('continues the broken stream on the same model; the loop reads the whole answer once', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/stream-resume.ts'], { cwd: root, timeout: 15_000 });
    expect(stdout.split('\n').filter(Boolean)).toEqual([
      'stream from claude-sonnet-4-6 failed after 5 chunks (overloaded)',
      'resumed on claude-sonnet-4-6 after 16 characters',
      'answer: The quick brown fox jumps over the lazy dog.',
    ]);
    expect(stderr).toBe('');
  });
});
