import { describe, expect, it } from 'vitest';
import { ResilientClient, byProvider, isConfigError, type FallbackEvent } from '../../src/index.js';
import { servedBy } from '../../src/fallback/providers.js';
import { mergeRunOptions, takeRunOptions, withRunOptions } from '../../src/providers/run-options.js';
import { createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';

const providers = new Map([
  ['c1', 'anthropic'],
  ['g1', 'openai'],
  ['c2', 'anthropic'],
]);

describe('servedBy', () => {
  it.each([
    ['no provider: the chain as it is', ['c1', 'g1', 'c2'], undefined, ['c1', 'g1', 'c2'], []],
    ['anthropic skips the openai entry', ['c1', 'g1', 'c2'], 'anthropic', ['c1', 'c2'], ['g1']],
    ['plain names are served by anyone', ['plain', 'g1'], 'anthropic', ['plain'], ['g1']],
    ['a provider nobody names keeps only plain names', ['plain', 'c1'], 'mistral', ['plain'], ['c1']],
  ] as const)('%s', (_, chain, provider, models, skipped) => {
    expect(servedBy(chain, provider, providers)).toEqual({ models, skipped });
  });

  it('throws a ConfigError naming every skipped entry when none is left', () => {
    const err = (() => {
      try {
        servedBy(['g1'], 'anthropic', providers);
      } catch (e) {
        return e;
      }
    })();
    expect(isConfigError(err) && err.issues).toEqual([{ path: 'run.provider', message: 'no model in the chain is served by "anthropic"; skipped g1 (openai)' }]);
  });
});

describe('client.run with provider entries', () => {
  it('validates entries, keeps client.models as names, and reports skipped entries on fallback', async () => {
    expect(() => new ResilientClient({ models: [{ model: 'a', provider: '' }] })).toThrow(/models\.0/);
    expect(() => new ResilientClient({ models: ['a', { model: 'a', provider: 'openai' }] })).toThrow(/without duplicates/);
    const clock = createFakeClock();
    // A quota would hold every Anthropic model (an account stop); an overload is c1's alone.
    const provider = createFakeProvider(clock, { c1: [step.overloaded()] });
    const client = new ResilientClient({ models: [...providers].map(([model, p]) => ({ model, provider: p })), clock, monitor: false });
    expect(client.models).toEqual(['c1', 'g1', 'c2']);
    expect(client.providerOf('g1')).toBe('openai');
    expect(client.providerOf('unknown')).toBeUndefined();
    const fallbacks: FallbackEvent[] = [];
    client.on('fallback', (e) => fallbacks.push(e));
    await expect(client.run(provider.call, { provider: 'anthropic' })).resolves.toMatchObject({ model: 'c2' });
    expect(fallbacks).toMatchObject([{ from: 'c1', to: 'c2', reason: 'overloaded', skipped: ['g1'] }]);
    await expect(client.run(provider.call, { provider: '' })).rejects.toThrow(/run\.provider/);
    client.dispose();
  });

  it('byProvider calls the handler of each model’s provider', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: [{ model: 'c1', provider: 'anthropic' }, { model: 'g1', provider: 'openai' }], clock, retry: false, monitor: false });
    const seen: string[] = [];
    const answer = await client.run(
      byProvider(client, {
        anthropic: async ({ model }) => {
          seen.push(`anthropic:${model}`);
          throw Object.assign(new Error('overloaded'), { status: 529 });
        },
        openai: async ({ model }) => (seen.push(`openai:${model}`), 42),
      }),
    );
    expect(answer).toBe(42);
    expect(seen).toEqual(['anthropic:c1', 'openai:g1']);
    client.dispose();
  });
});

describe('run options with the call', () => {
  it('withRunOptions hides them under a symbol; takeRunOptions gives them back and strips them', () => {
    const signal = new AbortController().signal;
    const options = withRunOptions({ taskId: 't' }, { signal });
    expect(Object.keys(options)).toEqual(['signal']);
    const { request, run } = takeRunOptions(options);
    expect(run).toEqual({ taskId: 't' });
    expect(request).toEqual({ signal });
    expect(Object.getOwnPropertySymbols(request)).toEqual([]);
    expect(takeRunOptions(undefined)).toEqual({ request: undefined, run: undefined });
  });

  it('mergeRunOptions: later sources win field by field, undefined is "not set", other keys are refused', () => {
    const merged = mergeRunOptions(
      { taskId: 'hook', estimate: { inputTokens: 10, outputTokens: 20 }, timeoutMs: 5_000 },
      { taskId: undefined, estimate: { outputTokens: 99, inputTokens: undefined } },
    );
    expect(merged).toEqual({ taskId: 'hook', estimate: { inputTokens: 10, outputTokens: 99 }, timeoutMs: 5_000 });
    expect(() => mergeRunOptions({ taskId: 'hook' }, { models: ['x'] } as never)).toThrow(/run\.models: unknown option/);
  });
});
