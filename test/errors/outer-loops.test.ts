// Our errors end a call after the chain ran: nothing on them may look
// retryable to a framework's own retry loop, or it re-runs the whole chain.
import { AsyncCaller } from '@langchain/core/utils/async_caller';
import { getRetryable } from '@langchain/core/errors';
import { describe, expect, it } from 'vitest';
import { AllModelsFailedError, CircuitOpenError, ContextWindowError, QueueFullError, TimeoutError } from '../../src/index.js';

const rateLimited = () => Object.assign(new Error('429 Rate limit reached'), { status: 429, headers: new Headers({ 'retry-after': '1' }) });
const failures = () => [
  { model: 'a', reason: 'rate_limit', error: rateLimited() },
  { model: 'b', reason: 'rate_limit', error: rateLimited() },
];

/** Every object reachable from `error` through `cause`, as the Agents SDK's retry policies walk it. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && chain.length < 10; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

describe('our errors under an outer retry loop', () => {
  const errors = [new AllModelsFailedError(failures(), 1000), new ContextWindowError(undefined, 'too long', 300_000, 200_000, failures()), new CircuitOpenError('a', 10), new TimeoutError('a', 5), new QueueFullError('a', 3)];

  it("carry LangChain's not-retryable marker", () => {
    for (const e of errors) expect(getRetryable(e), e.name).toBe(false);
  });

  it('LangChain AsyncCaller with its defaults calls once', async () => {
    let calls = 0;
    const caller = new AsyncCaller({});
    await expect(caller.call(async () => (calls++, Promise.reject(new AllModelsFailedError(failures()))))).rejects.toMatchObject({ code: 'ALL_MODELS_FAILED' });
    expect(calls).toBe(1);
  });

  it('no HTTP status or headers anywhere in the cause chain; the provider errors stay in failures', () => {
    for (const e of errors) {
      for (const link of causeChain(e)) {
        expect(link, e.name).not.toHaveProperty('status');
        expect(link, e.name).not.toHaveProperty('statusCode');
        expect(link, e.name).not.toHaveProperty('headers');
      }
    }
    const [all] = errors as [AllModelsFailedError];
    expect(all.failures.map((f) => (f.error as { status: number }).status)).toEqual([429, 429]);
  });
});
