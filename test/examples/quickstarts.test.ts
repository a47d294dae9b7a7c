// The README's budget and monitor quick starts, run as users run them, against
// the local stand-in (no API key in the child's environment). The only real
// wait is the stand-in's 20 ms Retry-After.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

async function runExample(file: string) {
  const env = { ...process.env };
  for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL']) delete env[k];
  return run(process.execPath, ['--import', 'tsx', file], { cwd: root, env, timeout: 15_000 });
}

describe('budget and monitor quick starts', () => {
  it('quickstart-budget settles the reported usage into every scope it configured', async () => {
    const { stdout, stderr } = await runExample('examples/quickstart-budget.ts');
    expect(stdout).toContain('ANTHROPIC_API_KEY is not set');
    // The stand-in's first answer is a 429: the call spills to the second model of the chain.
    const usage = /^claude-haiku-4-5: (\d+) in \/ (\d+) out$/m.exec(stdout);
    expect(usage).not.toBeNull();
    const tokens = Number(usage![1]) + Number(usage![2]);
    expect(stdout).toMatch(/^model:\d{4}-\d{2}-\d{2}:claude-opus-4-5: 0 tokens, \$/m);
    for (const key of [/^day:\d{4}-\d{2}-\d{2}/m, /^task:greeting/m]) {
      const line = stdout.split('\n').find((l) => key.test(l));
      expect(line, String(key)).toBeDefined();
      expect(line).toContain(`: ${tokens} tokens, $`);
    }
    expect(stdout).not.toContain('budget '); // nothing near a limit
    expect(stderr).not.toMatch(/deprecated|Error/);
  });

  it('quickstart-monitor reports health, the routing order and the Markdown report', async () => {
    const { stdout, stderr } = await runExample('examples/quickstart-monitor.ts');
    expect(stdout).toMatch(/^claude-opus-4-5 is healthy; next order: claude-opus-4-5, claude-haiku-4-5$/m);
    expect(stdout).toContain('# LLM resilience report');
    // The stand-in's first answer is a 429: that call spills to the second model, and so does every
    // later call that starts within the 429's 20 ms Retry-After (real time: on a fast machine all three do).
    expect(stdout).toMatch(/^\| claude-opus-4-5 \| healthy \| \d \| /m);
    expect(stdout).toMatch(/^\| claude-haiku-4-5 \| \d+\/s \| 0 \| [123] \/ 0 \| /m);
    expect(stdout).toMatch(/^\| claude-opus-4-5 \| \d+\/s \| 0 \| 0 \/ [123] \| /m);
    expect(stderr).not.toMatch(/deprecated|Error/);
  });
});
