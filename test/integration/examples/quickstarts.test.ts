// The README's quick starts, run as users run them, against the local
// stand-in (no API key in the child's environment).
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
  // The stand-in's first answer is a 429; the second model of the chain has room, so the
  // call spills there at once instead of sleeping the Retry-After.
  it('quickstart-openai spills the stand-in 429 to the second model and prints the answer', async () => {
    const { stdout } = await runExample('examples/quickstart-openai.ts');
    expect(stdout).toContain('OPENAI_API_KEY is not set');
    expect(stdout.match(/^fallback gpt-4\.1 -> gpt-4\.1-mini \(rate_limit\)$/gm)).toHaveLength(1);
    expect(stdout).not.toMatch(/^retry /m);
    expect(stdout).toMatch(/^gpt-4\.1-mini: Hello!$/m);
  });

  it('quickstart-track: an async function hands the headers of the SDK call it awaits to the client', async () => {
    const { stdout } = await runExample('examples/quickstart-track.ts');
    expect(stdout).toContain('OPENAI_API_KEY is not set');
    expect(stdout).toMatch(/^gpt-4\.1-mini answered in 15 tokens$/m);
    // The stand-in's rate-limit headers (500 a minute, its second request) reached the client.
    expect(stdout).toMatch(/^gpt-4\.1-mini: Hello! \(498 requests left this minute\)$/m);
  });

  it('quickstart-anthropic spills the stand-in 429 to the second model and prints the answer', async () => {
    const { stdout, stderr } = await runExample('examples/quickstart-anthropic.ts');
    expect(stdout).toContain('ANTHROPIC_API_KEY is not set');
    expect(stdout.match(/^fallback claude-sonnet-4-6 -> claude-haiku-4-5 \(rate_limit\)$/gm)).toHaveLength(1);
    expect(stdout).toMatch(/^claude-haiku-4-5: Hello!$/m);
    expect(stderr).not.toMatch(/deprecated/);
  });
});
