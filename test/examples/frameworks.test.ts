// The framework examples, run as users run them, against the local stand-ins
// (no API key in the child's environment): the first request to each API is a
// 429 that spills to the chain's second model.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// @mastra/core requires Node >= 22.13; CI runs the Mastra example on Node 22 and 24.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const mastraRuns = major > 22 || (major === 22 && minor >= 13);

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

async function runExample(file: string) {
  const env = { ...process.env };
  for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'OPENAI_AGENTS_DISABLE_TRACING', 'NODE_ENV']) delete env[k];
  return run(process.execPath, ['--import', 'tsx', file], { cwd: root, env, timeout: 30_000 });
}

// Each example loads a framework and compiles on the fly: seconds on a busy machine.
describe('framework examples', { timeout: 60_000 }, () => {
  it('frameworks-openai-agents: the agent answers from the fallback model', async () => {
    const { stdout, stderr } = await runExample('examples/frameworks-openai-agents.ts');
    expect(stdout).toContain('OPENAI_API_KEY is not set');
    expect(stdout.match(/^fallback gpt-4\.1 -> gpt-4\.1-mini \(rate_limit\)$/gm)).toHaveLength(1);
    expect(stdout).toMatch(/^agent: Hello!$/m);
    expect(stderr).not.toMatch(/Error|tracing/i);
  });

  it('frameworks-langchain: the createAgent agent and ChatAnthropic each answer from their fallback model', async () => {
    const { stdout, stderr } = await runExample('examples/frameworks-langchain.ts');
    expect(stdout.match(/^fallback gpt-4\.1 -> gpt-4\.1-mini \(rate_limit\)$/gm)).toHaveLength(1);
    expect(stdout.match(/^fallback claude-sonnet-4-6 -> claude-haiku-4-5 \(rate_limit\)$/gm)).toHaveLength(1);
    expect(stdout).toMatch(/^agent: Hello!$/m);
    expect(stdout).toMatch(/^claude: Hello!$/m);
    expect(stderr).not.toMatch(/Error/);
  });

  it.skipIf(!mastraRuns)(`frameworks-mastra: the agent answers from the fallback model${mastraRuns ? '' : ` (skipped: @mastra/core requires Node >= 22.13, this is ${process.version})`}`, async () => {
    const { stdout, stderr } = await runExample('examples/frameworks-mastra.ts');
    expect(stdout.match(/^fallback gpt-4\.1 -> gpt-4\.1-mini \(rate_limit\)$/gm)).toHaveLength(1);
    expect(stdout).not.toMatch(/^fallback claude/m);
    expect(stdout).toMatch(/^agent: Hello!$/m);
    expect(stderr).not.toMatch(/Error/);
  });
});
