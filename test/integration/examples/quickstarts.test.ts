// The README's quick starts, run as users run them, against the local
// stand-in (no API key in the child's environment). The only real wait is the
// stand-in's 20 ms Retry-After.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);

async function runExample(file: string) {
  const env = { ...process.env };
  for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL']) delete env[k];
  return run(process.execPath, ['--import', 'tsx', file], { cwd: root, env, timeout: 15_000 });
}

describe('quickstart examples', () => {
  it('quickstart-openai retries the stand-in 429 once and prints the answer', async () => {
    const { stdout } = await runExample('examples/quickstart-openai.ts');
    expect(stdout).toContain('OPENAI_API_KEY is not set');
    expect(stdout.match(/^retry gpt-4\.1 in 20 ms \(rate_limit\)$/gm)).toHaveLength(1);
    expect(stdout).toMatch(/^gpt-4\.1: Hello!$/m);
  });

  it('quickstart-anthropic retries the stand-in 429 once and prints the answer', async () => {
    const { stdout, stderr } = await runExample('examples/quickstart-anthropic.ts');
    expect(stdout).toContain('ANTHROPIC_API_KEY is not set');
    expect(stdout.match(/^retry claude-sonnet-4-6 in 20 ms \(rate_limit\)$/gm)).toHaveLength(1);
    expect(stdout).toMatch(/^claude-sonnet-4-6: Hello!$/m);
    expect(stderr).not.toMatch(/deprecated/);
  });
});
