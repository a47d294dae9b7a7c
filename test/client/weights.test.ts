import { describe, expect, it } from 'vitest';
import { MAX_WEIGHT_MODELS, UsageWeights, WEIGHT_HALF_LIFE_MS } from '../../src/client/weights.js';
import { ResilientClient } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';
import type { Usage } from '../../src/usage/extract.js';

const PRIOR = { inputTokens: 3, outputTokens: 4_096 };
const usage = (inputTokens: number, outputTokens: number): Usage => ({ inputTokens, outputTokens, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });

describe('UsageWeights', () => {
  it('starts from the prior, then the prior counts as one call', () => {
    const w = new UsageWeights(PRIOR);
    expect(w.weight('m', 0)).toEqual(PRIOR);
    w.record('m', usage(1_003, 96), 0);
    expect(w.weight('m', 0)).toEqual({ inputTokens: 503, outputTokens: 2_096 });
  });

  it('hands out the same weight while its figures stay the same, and a new one when they change', () => {
    const w = new UsageWeights(PRIOR);
    w.record('m', usage(1_003, 96), 0);
    const first = w.weight('m', 0);
    expect(w.weight('m', 0)).toBe(first);
    w.record('m', usage(5_003, 96), 0);
    const second = w.weight('m', 0);
    expect(second).not.toBe(first);
    expect(first).toEqual({ inputTokens: 503, outputTokens: 2_096 }); // never changed by a later weighing
    expect(second).toEqual({ inputTokens: Math.ceil((3 + 2 * (3_003 + 2_000)) / 3), outputTokens: Math.ceil((4_096 + 2 * 96) / 3) });
  });

  it('moves to the real usage as calls finish: mean plus one standard deviation', () => {
    const w = new UsageWeights(PRIOR);
    for (let i = 0; i < 99; i++) w.record('m', usage(1_000, 300), 0);
    // (prior + 99 × 1,000) / 100, rounded up
    expect(w.weight('m', 0)).toEqual({ inputTokens: Math.ceil((3 + 99 * 1_000) / 100), outputTokens: Math.ceil((4_096 + 99 * 300) / 100) });
    const spread = new UsageWeights({ inputTokens: 0, outputTokens: 0 });
    for (let i = 0; i < 1_000; i++) spread.record('m', usage(i % 2 ? 1_500 : 500, 100), 0);
    // mean 1,000, deviation 500, the prior's zero counting as one call in 1,001
    expect(spread.weight('m', 0).inputTokens).toBe(Math.ceil((1_000 * 1_500) / 1_001));
  });

  it('recent calls count more: a call one half-life old counts half', () => {
    const w = new UsageWeights({ inputTokens: 0, outputTokens: 0 });
    for (let i = 0; i < 100; i++) w.record('m', usage(4_000, 0), 0);
    for (let i = 0; i < 50; i++) w.record('m', usage(1_000, 0), WEIGHT_HALF_LIFE_MS);
    // 50 old calls' worth of 4,000 and 50 new of 1,000: mean 2,500, deviation 1,500
    expect(w.weight('m', WEIGHT_HALF_LIFE_MS).inputTokens).toBe(Math.ceil((100 * 4_000) / 101));
  });

  it('drifts back to the prior when the model goes quiet, and forgets it after long silence', () => {
    const w = new UsageWeights(PRIOR);
    for (let i = 0; i < 10; i++) w.record('m', usage(1_000, 100), 0);
    const busy = w.weight('m', 0).outputTokens;
    const quiet = w.weight('m', 10 * WEIGHT_HALF_LIFE_MS).outputTokens;
    expect(quiet).toBeGreaterThan(busy);
    expect(quiet).toBeLessThan(PRIOR.outputTokens);
    expect(w.weight('m', 60 * WEIGHT_HALF_LIFE_MS)).toEqual(PRIOR);
    expect(w.size).toBe(0);
  });

  it("on shared buckets weighs output at the most one of the model's calls wrote, the closest it gets to the provider's max_tokens hold", () => {
    // Calls capped at max_tokens 1,000 writing 350 on average; now and then one reaches the cap.
    const outputs = [350, 120, 610, 1_000, 280, 430, 90, 700, 350, 260];
    const shared = new UsageWeights(PRIOR, { longestOutput: true });
    const local = new UsageWeights(PRIOR);
    for (const [i, out] of outputs.entries()) {
      shared.record('m', usage(1_000, out), i * 1_000);
      local.record('m', usage(1_000, out), i * 1_000);
    }
    // Not the mean plus a deviation blended with the prior (above 1,000 here): the cap the provider holds.
    expect(local.weight('m', 10_000).outputTokens).toBeGreaterThan(1_000);
    expect(shared.weight('m', 10_000)).toEqual({ inputTokens: local.weight('m', 10_000).inputTokens, outputTokens: 1_000 });
    // It does not age with the sums; it goes with them after a long silence.
    expect(shared.weight('m', 10 * WEIGHT_HALF_LIFE_MS).outputTokens).toBe(1_000);
    expect(shared.weight('m', 60 * WEIGHT_HALF_LIFE_MS)).toEqual(PRIOR);
    // Calls that wrote no output leave the blend.
    const none = new UsageWeights(PRIOR, { longestOutput: true });
    none.record('m', usage(1_000, 0), 0);
    expect(none.weight('m', 0).outputTokens).toBe(Math.ceil(PRIOR.outputTokens / 2));
  });

  it('ignores invalid, empty or missing usage', () => {
    const w = new UsageWeights(PRIOR);
    w.record('m', undefined, 0);
    w.record('m', usage(0, 0), 0);
    w.record('m', { ...usage(0, 0), invalid: 'usage.prompt_tokens' }, 0);
    expect(w.weight('m', 0)).toEqual(PRIOR);
    expect(w.size).toBe(0);
  });

  it(`keeps at most ${MAX_WEIGHT_MODELS} models, dropping the one updated longest ago`, () => {
    const w = new UsageWeights(PRIOR);
    for (let i = 0; i <= MAX_WEIGHT_MODELS; i++) w.record(`m${i}`, usage(100, 10), i);
    expect(w.size).toBe(MAX_WEIGHT_MODELS);
    expect(w.weight('m0', MAX_WEIGHT_MODELS)).toEqual(PRIOR);
    expect(w.weight(`m${MAX_WEIGHT_MODELS}`, MAX_WEIGHT_MODELS)).not.toEqual(PRIOR);
    w.forget(`m${MAX_WEIGHT_MODELS}`);
    expect(w.size).toBe(MAX_WEIGHT_MODELS - 1);
  });

  it('a model updated again becomes the latest: the next one past the bound drops the one updated longest ago', () => {
    const w = new UsageWeights(PRIOR);
    for (let i = 0; i < MAX_WEIGHT_MODELS; i++) w.record(`m${i}`, usage(100, 10), i);
    w.record('m0', usage(100, 10), MAX_WEIGHT_MODELS);
    w.record('m0', usage(100, 10), MAX_WEIGHT_MODELS); // already the latest: stays so
    w.record('new', usage(100, 10), MAX_WEIGHT_MODELS);
    expect(w.size).toBe(MAX_WEIGHT_MODELS);
    expect(w.weight('m0', MAX_WEIGHT_MODELS)).not.toEqual(PRIOR);
    expect(w.weight('m1', MAX_WEIGHT_MODELS)).toEqual(PRIOR);
  });

  it('the model updated last, once forgotten, weighs the prior and learns again from its next call alone', () => {
    const w = new UsageWeights(PRIOR);
    for (let i = 0; i < 10; i++) w.record('m', usage(9_000, 900), 0);
    w.forget('m');
    expect(w.weight('m', 0)).toEqual(PRIOR);
    expect(w.size).toBe(0);
    w.record('m', usage(1_003, 96), 0);
    expect(w.weight('m', 0)).toEqual({ inputTokens: 503, outputTokens: 2_096 });
    expect(w.size).toBe(1);
  });

  it('the model updated last, dropped after a long silence, learns again from its next call alone', () => {
    const w = new UsageWeights(PRIOR);
    w.record('other', usage(5, 5), 0);
    for (let i = 0; i < 10; i++) w.record('m', usage(9_000, 900), 0);
    const later = 60 * WEIGHT_HALF_LIFE_MS;
    expect(w.weight('m', later)).toEqual(PRIOR);
    w.record('m', usage(1_003, 96), later);
    expect(w.weight('m', later)).toEqual({ inputTokens: 503, outputTokens: 2_096 });
    expect(w.weight('other', later)).toEqual(PRIOR);
    expect(w.size).toBe(1);
  });
});

describe('the admission weight of a call without a request', () => {
  const completion = (prompt: number, output: number) => ({ usage: { prompt_tokens: prompt, completion_tokens: output, total_tokens: prompt + output } });

  function setup() {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['m'], clock, limits: { models: { m: { tokensPerMinute: 1_000_000 } } } });
    const tokensUsed = () => 1_000_000 - client.snapshot().limits.m!.tokens!.available;
    return { clock, client, tokensUsed };
  }

  it('is the default estimate (4,099 tokens) before the model has answered', async () => {
    const { client, tokensUsed } = setup();
    await client.run(() => completion(1_000, 200));
    expect(tokensUsed()).toBe(4_099);
    client.dispose();
  });

  it("is learned from the model's real usage once it has answered", async () => {
    const { client, tokensUsed } = setup();
    for (let i = 0; i < 50; i++) await client.run(() => completion(1_000, 200));
    const before = tokensUsed();
    await client.run(() => completion(1_000, 200));
    const weight = tokensUsed() - before;
    // (prior + 50 calls of 1,200) / 51: close to the real 1,200, far below 4,099
    expect(weight).toBe(Math.ceil((3 + 50 * 1_000) / 51) + Math.ceil((4_096 + 50 * 200) / 51));
    client.dispose();
  });

  it('is still the request estimate when the call gives a request', async () => {
    const { client, tokensUsed } = setup();
    for (let i = 0; i < 20; i++) await client.run(() => completion(1_000, 200));
    const before = tokensUsed();
    await client.run(() => completion(1_000, 200), { request: { messages: [{ role: 'user', content: 'x'.repeat(400) }], max_tokens: 5_000 } });
    expect(tokensUsed() - before).toBeGreaterThan(5_000);
    client.dispose();
  });
});
