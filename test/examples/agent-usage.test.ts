// The cross-provider recipe keeps the real usage: its handlers return the SDK's
// own responses, so the budget settles what the provider reported, not an estimate.
import { describe, expect, it } from 'vitest';
import type { ResilienceEvents } from '../../src/index.js';
import { client, main } from '../../examples/agent-claude-openai.js';

describe('examples/agent-claude-openai budget', () => {
  it('settles the real usage of the fallback outline (1,000 in / 200 out), with no usage warning', async () => {
    const usage: ResilienceEvents['budget:usage'][] = [];
    const warnings: ResilienceEvents['budget:usage-warning'][] = [];
    client.on('budget:usage', (e) => usage.push(e));
    client.on('budget:usage-warning', (e) => warnings.push(e));
    await main(() => {});
    expect(warnings).toEqual([]);
    expect(usage[0]).toMatchObject({ model: 'gpt-4.1', inputTokens: 1_000, outputTokens: 200, estimated: false });
  });
});
