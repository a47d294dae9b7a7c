import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/classify/classify.js';
import { ResultRejectedError, isResultRejectedError } from '../../src/errors/errors.js';
import { ResilientClient, isAllModelsFailedError, isConfigError } from '../../src/index.js';
import { setup } from './setup.js';

const empty = { text: '' };
const full = { text: 'hello' };
const judgeText = (r: unknown) => ((r as { text: string }).text === '' ? 'retry' : 'accept');

describe('conditions of your own', () => {
  it('a rejected answer is retried at once on the same model, up to retry.maxRetries, then the chain moves on', async () => {
    const { client, calls, events, fn } = setup(['a', 'b'], (m) => (m === 'a' ? empty : full), { retry: { maxRetries: 2 }, conditions: { result: judgeText } });
    await expect(client.run(fn)).resolves.toEqual(full);
    expect(calls).toEqual(['a', 'a', 'a', 'b']);
    expect(events.filter((e) => e.name === 'retry').map((e) => [e.payload.reason, e.payload.delayMs])).toEqual([
      ['rejected', 0],
      ['rejected', 0],
    ]);
    expect(events.find((e) => e.name === 'fallback')!.payload).toMatchObject({ from: 'a', to: 'b', reason: 'rejected' });
  });

  it('rejecting everything ends in AllModelsFailedError listing each model, never a loop', async () => {
    const { client, calls, fn } = setup(['a', 'b'], () => full, { retry: { maxRetries: 1 }, conditions: { result: () => 'retry' } });
    const error = await client.run(fn).catch((e: unknown) => e);
    expect(isAllModelsFailedError(error)).toBe(true);
    expect((error as { failures: { model: string; reason: string; error: unknown }[] }).failures.map((f) => [f.model, f.reason])).toEqual([
      ['a', 'rejected'],
      ['b', 'rejected'],
    ]);
    expect(isResultRejectedError((error as { failures: { error: unknown }[] }).failures[0]!.error)).toBe(true);
    expect(calls).toEqual(['a', 'a', 'b', 'b']);
  });

  it('a rejected answer never counts against the breaker by default; with countAgainstModel it does', async () => {
    const breaker = { volumeThreshold: 2, errorThresholdPercentage: 50 };
    const off = setup(['a', 'b'], (m) => (m === 'a' ? empty : full), { retry: false, breaker, conditions: { result: (r) => (judgeText(r) === 'retry' ? 'fallback' : 'accept') } });
    for (let i = 0; i < 4; i++) await off.client.run(off.fn);
    expect(off.client.breakerState('a')).toBe('closed');

    const on = setup(['a', 'b'], (m) => (m === 'a' ? empty : full), {
      retry: false,
      breaker,
      conditions: { result: (r) => (judgeText(r) === 'retry' ? 'fallback' : 'accept'), countAgainstModel: true },
    });
    for (let i = 0; i < 4; i++) await on.client.run(on.fn);
    expect(on.client.breakerState('a')).toBe('open');
    expect(on.events.some((e) => e.name === 'breaker:open' && e.payload.model === 'a')).toBe(true);
  });

  it("the call's own conditions replace the client's, field by field, typed by the call's result", async () => {
    const { client, calls, fn } = setup(['a', 'b'], (m) => (m === 'a' ? empty : full), { retry: false, conditions: { result: () => 'accept' } });
    const value = await client.run(async (ctx) => (await fn(ctx)) as { text: string }, { conditions: { result: (r) => (r.text ? 'accept' : 'fallback') } });
    expect(value).toEqual(full);
    expect(calls).toEqual(['a', 'b']);
  });

  it('an error condition is never asked about the caller\u2019s own abort', async () => {
    const seen: string[] = [];
    const { client } = setup(['a', 'b'], () => full, { conditions: { error: (_e, { kind }) => (seen.push(kind), 'retry') } });
    const controller = new AbortController();
    const pending = client.run(({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { signal: controller.signal });
    controller.abort(new Error('user left'));
    await expect(pending).rejects.toThrow('user left');
    expect(seen).toEqual([]);
  });

  it('a condition that throws, or says something undocumented, ends the call with a clear error', async () => {
    const thrown = setup(['a', 'b'], () => full, { conditions: { result: () => { throw new Error('my bug'); } } });
    await expect(thrown.client.run(thrown.fn)).rejects.toThrow('my bug');
    expect(thrown.calls).toEqual(['a']);

    // biome-ignore lint/suspicious/noExplicitAny: an undocumented verdict, as a JavaScript caller could return
    const odd = setup(['a', 'b'], () => full, { conditions: { result: () => 'maybe' as any } });
    await expect(odd.client.run(odd.fn)).rejects.toThrow(/conditions.result returned "maybe"; expected 'accept', 'retry', 'fallback' or undefined/);
  });

  it('streams are never judged: their content reached the caller before it could be', async () => {
    const stream = { async *[Symbol.asyncIterator]() { yield { choices: [{ delta: { content: 'x' } }] }; } };
    let judged = 0;
    const { client } = setup(['a'], () => stream, { conditions: { result: () => (judged++, 'retry') } });
    const out = await client.run(async () => stream);
    for await (const _ of out as AsyncIterable<unknown>) void _;
    expect(judged).toBe(0);
  });

  it('options are validated on the client and per call, naming the option', () => {
    expect(() => new ResilientClient({ models: ['a'], conditions: { result: 'yes' as never } })).toThrow(/conditions\.result: expected a function \(result, context\) => verdict, received "yes"/);
    expect(() => new ResilientClient({ models: ['a'], conditions: { retryOn: () => true } as never })).toThrow(/conditions\.retryOn/);
    const { client } = setup(['a'], () => full);
    const bad = client.run(async () => 1, { conditions: { countAgainstModel: 'no' as never } }).catch((e: unknown) => e);
    return bad.then((e) => {
      expect(isConfigError(e)).toBe(true);
      expect((e as Error).message).toMatch(/run\.conditions\.countAgainstModel: expected true or false, received "no"/);
    });
  });

  it('the rejection is classified from the error itself: retry or next model, counted only when asked', () => {
    expect(classifyError(new ResultRejectedError('a', 'retry', undefined, false))).toMatchObject({ kind: 'rejected', retryable: true, fallback: true, countsAsFailure: false, retryAfterMs: 0 });
    expect(classifyError(new ResultRejectedError('a', 'fallback', 'empty', true))).toMatchObject({ kind: 'rejected', retryable: false, fallback: true, countsAsFailure: true });
    const e = new ResultRejectedError('a', 'fallback', 'empty', true);
    expect(e.message).toBe('Model "a" answered, and your condition rejected the answer (fallback: empty)');
    expect(JSON.parse(JSON.stringify(e))).not.toHaveProperty('countsAgainstModel');
  });
});
