// The offline agent example: Claude and OpenAI on one client, Claude down.
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/agent-claude-openai.js';

describe('examples/agent-claude-openai', () => {
  it('falls back from Claude to GPT for the outline, and to Claude Haiku (skipping GPT) for the review', async () => {
    const lines: string[] = [];
    await main((l) => lines.push(l));
    expect(lines).toEqual([
      'fallback claude-sonnet-4-6 → gpt-4.1 (overloaded)',
      'fallback claude-sonnet-4-6 → claude-haiku-4-5 (overloaded; skipped gpt-4.1)',
      'outline: outline by GPT',
      'draft:   draft by GPT',
      'review:  review by Claude Haiku (claude-haiku-4-5)',
    ]);
  });
});
