// examples/deployments.ts, run as users run it (offline: real SDKs against a local stand-in).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/deployments', () => {
  it('stays on gpt-4.1 through Azure while OpenAI direct is down, and opens only direct’s breaker', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/deployments.ts'], { cwd: root, timeout: 15_000 });
    expect(stdout.split('\n').filter(Boolean)).toEqual([
      'failover gpt-4.1: openai -> azure-eastus (server)',
      'call 1: Hello from Azure.',
      'breaker open: openai',
      'failover gpt-4.1: openai -> azure-eastus (server)',
      'call 2: Hello from Azure.',
      'call 3: Hello from Azure.',
      'call 4: Hello from Azure.',
      'call 5 (client.run): Hello from Azure.',
      'openai: open, azure-eastus: closed',
    ]);
    expect(stderr).toBe('');
  });
});
