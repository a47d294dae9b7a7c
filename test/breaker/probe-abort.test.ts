import { describe, expect, it } from 'vitest';
import { ResilientClient, isCircuitOpenError } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

const serverError = () => Object.assign(new Error('boom'), { status: 500 });

/** A client whose only model's breaker is open and due for its half-open probe. */
async function dueForProbe(extra: Partial<ConstructorParameters<typeof ResilientClient>[0]> = {}) {
  const clock = createFakeClock();
  const client = new ResilientClient({ models: ['m'], clock, retry: false, breaker: { volumeThreshold: 1, resetTimeoutMs: 1_000 }, ...extra });
  await client.run(() => Promise.reject(serverError())).catch(() => {});
  expect(client.breakerState('m')).toBe('open');
  await clock.advance(1_000);
  return { clock, client };
}

// A request that ends when its signal aborts, like an SDK's.
const hanging = ({ signal }: { signal: AbortSignal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

describe('a half-open probe aborted by its caller', () => {
  it.each([
    ['at once', false],
    ['a moment later', true],
  ])('the next call (%s) becomes the probe instead of being refused as circuit_open', async (_label, wait) => {
    const { clock, client } = await dueForProbe();
    const controller = new AbortController();
    const probe = client.run(hanging, { signal: controller.signal }).catch((e: unknown) => e);
    await clock.advance(10);
    controller.abort(new Error('user cancelled'));
    expect(((await probe) as Error).message).toBe('user cancelled');
    if (wait) await clock.advance(10);
    const next = await client.run(() => 'ok').catch((e: unknown) => e);
    expect(isCircuitOpenError(next) ? 'circuit_open' : next).toBe('ok');
    expect(client.breakerState('m')).toBe('closed');
  });

  it('also when the function ignores its signal (the request keeps running)', async () => {
    const { clock, client } = await dueForProbe();
    const controller = new AbortController();
    const probe = client.run(() => new Promise(() => {}), { signal: controller.signal }).catch((e: unknown) => e);
    await clock.advance(10);
    controller.abort(new Error('user cancelled'));
    await probe;
    const next = await client.run(() => 'ok').catch((e: unknown) => e);
    expect(isCircuitOpenError(next) ? 'circuit_open' : next).toBe('ok');
  });
});
