import { describe, expect, it } from 'vitest';
import { ResilientClient, type ResilienceEvents, type Usage } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

function setup() {
  const clock = createFakeClock();
  const client = new ResilientClient({ models: ['m'], clock, monitor: false, retry: false, budget: { day: { maxTokens: 10_000 } } });
  const warnings: ResilienceEvents['budget:usage-warning'][] = [];
  client.on('budget:usage-warning', (e) => warnings.push(e));
  const used = async () => (await client.budgetSnapshot()!).scopes.find((s) => s.scope === 'day')!;
  return { client, warnings, used };
}

const ESTIMATE = { inputTokens: 100, outputTokens: 50 };

describe('run({ usage }) values are checked like extracted usage', () => {
  it.each([
    ['a string count', { inputTokens: '0123', outputTokens: 5 }, 'inputTokens'],
    ['a negative count', { inputTokens: 10, outputTokens: -1_000 }, 'outputTokens'],
    ['NaN', { inputTokens: Number.NaN, outputTokens: 5 }, 'inputTokens'],
    ['Infinity', { inputTokens: 1, outputTokens: Number.POSITIVE_INFINITY }, 'outputTokens'],
    ['a missing count', { inputTokens: 1 }, 'outputTokens'],
    ['a bad optional count', { inputTokens: 1, outputTokens: 1, reasoningTokens: -3 }, 'reasoningTokens'],
    ['not an object', 42, 'usage'],
  ])('%s: the estimate is settled and budget:usage-warning names the field', async (_name, value, field) => {
    const { client, warnings, used } = setup();
    await client.run(() => 'ok', { estimate: ESTIMATE, usage: () => value as unknown as Usage });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ reason: 'invalid', detail: field, model: 'm' });
    const day = await used();
    expect(day.usedTokens).toBe(150);
    expect(Number.isFinite(day.remainingTokens)).toBe(true);
    expect(day.reservedTokens).toBe(0);
  });

  it('a throwing usage function settles the estimate instead of failing the call', async () => {
    const { client, warnings, used } = setup();
    const out = await client.run(() => 'ok', {
      estimate: ESTIMATE,
      usage: () => {
        throw new Error('bug');
      },
    });
    expect(out).toBe('ok');
    expect(warnings[0]).toMatchObject({ reason: 'invalid' });
    expect((await used()).usedTokens).toBe(150);
  });

  it('valid usage is settled as given, with no warning', async () => {
    const { client, warnings, used } = setup();
    await client.run(() => 'ok', { estimate: ESTIMATE, usage: () => ({ inputTokens: 7, outputTokens: 3 }) as Usage });
    expect(warnings).toHaveLength(0);
    expect((await used()).usedTokens).toBe(10);
  });
});
