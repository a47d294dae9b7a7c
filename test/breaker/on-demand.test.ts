import type CircuitBreaker from 'opossum';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// The breaker's engine (opossum) is loaded on first need: a model's first call
// starts the load, and whatever needs it before the load ends waits for it.
const loads = { count: 0 };

// Registered afresh before each test, with the module registry reset, so each test loads it anew.
async function slowOpossum(importOriginal: () => Promise<{ default: typeof CircuitBreaker }>) {
  loads.count++;
  // The load takes real time, as on a cold disk: longer than a failure takes to come back here.
  await new Promise((resolve) => setTimeout(resolve, 40));
  return importOriginal();
}

const failure = () => Object.assign(new Error('503'), { status: 503 });
const counts = () => false;

beforeEach(() => {
  vi.resetModules();
  vi.doMock('opossum', slowOpossum);
  loads.count = 0;
});

async function load() {
  const { ModelBreaker } = await import('../../src/breaker/breaker.js');
  const { BREAKER_DEFAULTS } = await import('../../src/breaker/options.js');
  const testing = await import('../../src/testing/index.js');
  const clock = testing.createFakeClock();
  const transitions: string[] = [];
  const make = (options: Partial<typeof BREAKER_DEFAULTS> = {}) =>
    new ModelBreaker('m', { ...BREAKER_DEFAULTS, volumeThreshold: 1, ...options }, clock, { onTransition: (_m, state, _r, open) => transitions.push(open ? `${state}:${open.reason}` : state) });
  return { make, clock, transitions };
}

describe('the breaker engine is loaded on first need', () => {
  it('not by the import or by constructing a client; a first call starts it', async () => {
    const lib = await import('../../src/index.js');
    const testing = await import('../../src/testing/index.js');
    const clock = testing.createFakeClock();
    const client = new lib.ResilientClient({ models: ['a', 'b'], clock, random: () => 0.5 });
    expect(loads.count).toBe(0);
    await expect(client.run(async () => 'ok')).resolves.toBe('ok');
    // The call issued the import; the test's loader reaches the mocked module a few microtasks later, which a
    // success settled with fewer promise hops can come before (decision record 0053). Nothing else runs meanwhile.
    await vi.waitFor(() => expect(loads.count).toBe(1));
    client.dispose();
  });

  it('a counted failure before the load ends is judged once it is there, and a call started meanwhile waits behind it', async () => {
    const { make, transitions } = await load();
    const b = make();
    const first = b.execute(() => Promise.reject(failure()), counts);
    // Long enough for the failure to come back, far shorter than the load.
    await new Promise((resolve) => setImmediate(resolve));
    expect(transitions).toEqual([]);
    const second = vi.fn(async () => 'ok');
    const next = b.execute(second, counts);
    await expect(first).rejects.toThrow('503');
    // With opossum there from the start, the failure opened the breaker before the second call began.
    await expect(next).rejects.toMatchObject({ name: 'CircuitOpenError' });
    expect(second).not.toHaveBeenCalled();
    expect(transitions).toEqual(['open:failures']);
    expect(loads.count).toBe(1);
    b.dispose();
  });

  it('a call that succeeds while the failure waits is counted as it would have been', async () => {
    const { make, transitions } = await load();
    // 3 calls in the window, opens above 50% failures: the failure first (1 of 1) would open it.
    const b = make({ volumeThreshold: 1, errorThresholdPercentage: 50 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowOk = b.execute(() => gate.then(() => 'ok'), counts);
    const failed = b.execute(() => Promise.reject(failure()), counts).catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    expect(loads.count).toBe(1);
    // The success ends after the failure came back: opossum must see the failure first (2 fires, 1 failure: 50%, not above).
    release();
    await expect(failed).resolves.toMatchObject({ message: '503' });
    await expect(slowOk).resolves.toBe('ok');
    expect(transitions).toEqual([]);
    expect(b.state()).toBe('closed');
    b.dispose();
  });

  it('an open of ours (slow calls) before the load ends happens once it is there; a fake clock waits for it', async () => {
    const { make, clock, transitions } = await load();
    const b = make({ volumeThreshold: 2, slowCallDurationMs: 100 });
    for (let i = 0; i < 2; i++) {
      await b.execute(async () => 'ok', counts);
      b.noteDuration(500, undefined);
    }
    expect(transitions).toEqual([]);
    await clock.advance(0);
    expect(transitions).toEqual(['open:slow_calls']);
    await expect(b.execute(async () => 'ok', counts)).rejects.toMatchObject({ name: 'CircuitOpenError' });
    b.dispose();
  });

  it('a call whose attempt would start while a failure waits starts after it: refused by the breaker, or stopped before it starts', async () => {
    const lib = await import('../../src/index.js');
    const testing = await import('../../src/testing/index.js');
    const clock = testing.createFakeClock();
    const client = new lib.ResilientClient({ models: ['a'], clock, random: () => 0.5, retry: false, breaker: { volumeThreshold: 1 } });
    const attempts: number[] = [];
    client.on('attempt', (e) => attempts.push(e.attempt));
    let invoked = 0;
    const failing = async () => {
      invoked++;
      throw failure();
    };
    const first = client.run(failing).catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    const aborted = new AbortController();
    const second = client.run(failing, { signal: aborted.signal }).catch((error: unknown) => error);
    const third = client.run(failing).catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    aborted.abort(new Error('caller gave up'));
    expect(loads.count).toBe(1);
    await expect(first).resolves.toMatchObject({ name: 'AllModelsFailedError' });
    await expect(second).resolves.toMatchObject({ message: 'caller gave up' });
    const refused = (await third) as { name: string; failures: readonly { reason: string }[] };
    expect(refused.name).toBe('AllModelsFailedError');
    expect(refused.failures.map((f) => f.reason)).toEqual(['circuit_open']);
    // Every attempt either reached the provider or was refused by the breaker; the aborted call never started one.
    expect(attempts).toHaveLength(2);
    expect(invoked).toBe(1);
    client.dispose();
  });
});
