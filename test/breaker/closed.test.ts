import CircuitBreaker from 'opossum';
import { describe, expect, it } from 'vitest';
import { ModelBreaker } from '../../src/breaker/breaker.js';
import { BREAKER_DEFAULTS } from '../../src/breaker/options.js';
import { createFakeClock } from '../../src/testing/index.js';

/*
 * A closed breaker runs calls without opossum's fire() but must count and
 * open exactly as opossum does. Each scenario runs the same calls, in the same
 * interleaving, through our breaker and through a plain opossum breaker with
 * the same thresholds, and compares the step at which each opens.
 */
type Step = 'ok' | 'fail' | 'neutral';

interface Gate {
  settle(): void;
}

/** Starts every call of `batch` before any ends, then ends them in order; returns the index of the call after which the breaker was open (or -1). */
async function run(
  batch: readonly Step[],
  fire: (thunk: () => Promise<unknown>) => Promise<unknown>,
  isOpen: () => boolean,
): Promise<number> {
  const gates: Gate[] = [];
  const settled: Promise<unknown>[] = [];
  for (const step of batch) {
    let settle!: () => void;
    const started = new Promise<void>((r) => (settle = r));
    gates.push({ settle });
    const thunk = () =>
      started.then(() => {
        if (step === 'ok') return 'ok';
        throw Object.assign(new Error(step), { neutral: step === 'neutral' });
      });
    settled.push(fire(thunk).catch(() => undefined));
  }
  for (let i = 0; i < gates.length; i++) {
    gates[i]!.settle();
    await settled[i];
    if (isOpen()) return i;
  }
  return -1;
}

const isNeutral = (error: unknown) => (error as { neutral?: boolean }).neutral === true;

async function ours(batch: readonly Step[], options = BREAKER_DEFAULTS): Promise<number> {
  const clock = createFakeClock();
  const breaker = new ModelBreaker('m', options, clock, { onTransition: () => {} });
  return run(batch, (thunk) => breaker.execute(thunk, isNeutral), () => breaker.state() === 'open');
}

/** The pipeline's way (decision record 0045): the breaker counts the start, the caller runs the call and reports its end. */
async function entered(batch: readonly Step[], options = BREAKER_DEFAULTS): Promise<number> {
  const clock = createFakeClock();
  const breaker = new ModelBreaker('m', options, clock, { onTransition: () => {} });
  const rethrow = (error: unknown): never => {
    throw error;
  };
  const fire = (thunk: () => Promise<unknown>): Promise<unknown> => {
    const counter = breaker.enter();
    if (!counter) return breaker.execute(thunk, isNeutral);
    return thunk().then(
      (value) => breaker.succeeded(counter, value, (v) => v, rethrow),
      (error: unknown) => breaker.failed(counter, error, isNeutral, rethrow),
    );
  };
  return run(batch, fire, () => breaker.state() === 'open');
}

async function opossum(batch: readonly Step[], options = BREAKER_DEFAULTS): Promise<number> {
  const cb = new CircuitBreaker((thunk: () => Promise<unknown>) => thunk(), {
    timeout: false,
    errorThresholdPercentage: options.errorThresholdPercentage,
    volumeThreshold: options.volumeThreshold,
    rollingCountTimeout: options.rollingWindowMs,
    rollingCountBuckets: options.rollingBuckets,
    rollingPercentilesEnabled: false,
    errorFilter: isNeutral,
  });
  try {
    return await run(batch, (thunk) => cb.fire(thunk), () => cb.opened);
  } finally {
    cb.shutdown();
  }
}

const seq = (s: string): Step[] => [...s].map((c) => (c === '+' ? 'ok' : c === '-' ? 'fail' : 'neutral'));

type Scenario = readonly [string, string, typeof BREAKER_DEFAULTS];
const SCENARIOS: readonly Scenario[] = [
  ['five failures in a row', '-----', BREAKER_DEFAULTS],
  ['failures after successes, rate crossing 50%', '++++----+--', BREAKER_DEFAULTS],
  ['neutral failures count as successes', '-0-0-0-0--', BREAKER_DEFAULTS],
  ['below the volume threshold nothing opens', '----', { ...BREAKER_DEFAULTS, volumeThreshold: 10 }],
  ['a low threshold', '+++++++++-', { ...BREAKER_DEFAULTS, errorThresholdPercentage: 5 }],
  ['volume threshold 0', '-', { ...BREAKER_DEFAULTS, volumeThreshold: 0 }],
];

describe('a closed breaker counts and opens exactly as opossum does', () => {
  it.each(SCENARIOS)('%s', async (_, s, options) => {
    const batch = seq(s);
    const expected = await opossum(batch, options);
    // Every call of the batch is in flight at once: a fire counts when the call starts, as in opossum.
    expect(await ours(batch, options)).toBe(expected);
  });

  it('in-flight calls count as fires before they end (the point of open depends on it)', async () => {
    // Ten calls start together; failures only. Counted at their start (opossum's way), the rate after
    // the first failures is 1/10, 2/10, …: the breaker opens at the sixth. Counted at their end it would open at the fifth.
    const batch = seq('----------');
    expect(await opossum(batch)).toBe(5);
    expect(await ours(batch)).toBe(5);
  });
});

describe('a call the breaker counts on entry and its caller ends counts and opens exactly as opossum does', () => {
  it.each<Scenario>([...SCENARIOS, ['ten in flight, failures only (counted at their start: opens at the sixth)', '----------', BREAKER_DEFAULTS]])('%s', async (_, s, options) => {
    const batch = seq(s);
    expect(await entered(batch, options)).toBe(await opossum(batch, options));
  });

  it('a call counted by the caller reports what it counted: the open breaker sends the next one through execute, which refuses it', async () => {
    const clock = createFakeClock();
    const transitions: string[] = [];
    const breaker = new ModelBreaker('m', { ...BREAKER_DEFAULTS, volumeThreshold: 1 }, clock, { onTransition: (_m, state) => transitions.push(state) });
    const counter = breaker.enter()!;
    const error = new Error('503');
    await expect(Promise.resolve(breaker.failed(counter, error, () => false, (e) => e))).resolves.toBe(error);
    expect(transitions).toEqual(['open']);
    expect(breaker.enter()).toBeUndefined();
    await expect(breaker.execute(async () => 'ok', () => false)).rejects.toMatchObject({ name: 'CircuitOpenError' });
    breaker.dispose();
  });
});
