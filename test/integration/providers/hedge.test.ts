// Hedging through the real openai SDK: the loser's request is aborted at the server and its reservation released.
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { type Harness, harness, tick } from './helpers.js';
import { replies } from './server.js';

let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

describe('hedged requests, real openai SDK on loopback', () => {
  it('a hanging primary is hedged after the delay; the hedge answers, the primary request is aborted at the server, no reservation is left', async () => {
    h = await harness(['gpt-slow', 'gpt-fast'], { hedge: { delayMs: 2_000 }, budget: { day: { maxTokens: 1_000_000 } } });
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL }), h.client, { clock: h.clock });
    h.server.script({ model: 'gpt-slow' }, [replies.hang()]);
    const p = openai.chat.completions.create({ model: 'gpt-slow', messages: [{ role: 'user', content: 'hi' }] });
    await h.server.waitForRequests(1);
    await h.clock.advance(2_000);
    const res = await p;
    expect(res.model).toBe('gpt-fast');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-slow', 'gpt-fast']);
    for (let i = 0; i < 20 && h.server.abandoned.length === 0; i++) await tick();
    expect(h.server.abandoned).toEqual(['gpt-slow']);
    expect(h.client.budget!.openReservations).toBe(0);
    const day = (await h.client.budgetSnapshot())!.scopes.find((s) => s.scope === 'day')!;
    expect(day).toMatchObject({ usedTokens: 15, reservedTokens: 0 });
    expect(h.client.breakerState('gpt-slow')).toBe('closed');
  });
});
