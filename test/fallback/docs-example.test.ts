// The content-fallbacks page's configuration, run against a scripted chain.
import { describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/index.js';

describe('content fallbacks page', () => {
  it('the documented configuration sends a refusal to the named chain', async () => {
    const client = new ResilientClient({
      models: ['gpt-4.1-mini', 'claude-sonnet-4-6', 'gpt-4.1'],
      content: {
        contextWindows: { 'ft:gpt-4.1-mini:acme': 1_000_000 },
        fitOutput: true,
        onRefusal: { models: ['claude-haiku-4-5'] },
      },
    });
    const tried: string[] = [];
    const answer = await client.run(async ({ model }) => {
      tried.push(model);
      return model === 'gpt-4.1-mini' ? { choices: [{ finish_reason: 'content_filter' }] } : { model };
    });
    expect(answer).toEqual({ model: 'claude-haiku-4-5' });
    expect(tried).toEqual(['gpt-4.1-mini', 'claude-haiku-4-5']);
    client.dispose();
  });
});
