import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type AttemptContext, ResilientClient, isConfigError } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';
import { createPrng } from '../../bench/lib/prng.js';

// A seeded PRNG: the weighted spread is checked on a fixed sequence, not on luck.
const seeded = createPrng;

/** Stand-ins for SDK clients: `run` hands the deployment's client to the function, which reads its name. */
class FakeSdk {
  constructor(
    readonly name: string,
    readonly apiKey = `sk-secret-${name}-0123456789abcdef`,
  ) {}
}
const err = (status: number) => Object.assign(new Error(`HTTP ${status}`), { status });

function client(extra: Partial<ConstructorParameters<typeof ResilientClient>[0]> = {}) {
  const a = new FakeSdk('a');
  const b = new FakeSdk('b');
  const c = new ResilientClient({
    models: [{ model: 'gpt-4.1', deployments: [{ id: 'east', client: a }, { id: 'west', client: b }] }, 'gpt-4.1-mini'],
    clock: createFakeClock(),
    random: seeded(1),
    monitor: false,
    retry: { jitter: 'none', initialDelayMs: 1, maxRetries: 2 },
    ...extra,
  });
  return { c, a, b };
}

describe('a model with deployments', () => {
  it('hands each attempt its deployment’s client, id and model name', async () => {
    const { c, a, b } = client();
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await c.run(({ client: sdk, deployment, model }: AttemptContext) => {
        seen.add(`${deployment} ${(sdk as FakeSdk).name} ${model}`);
        return 'ok';
      });
    }
    expect([...seen].sort()).toEqual(['east a gpt-4.1', 'west b gpt-4.1']);
    expect(a).not.toBe(b);
  });

  it('stream events name the deployment that streamed', async () => {
    const { c } = client();
    const seen: string[] = [];
    for (const name of ['stream:committed', 'stream:end'] as const) c.on(name, (e) => void seen.push(`${name} ${e.model} ${e.deployment}`));
    let used: string | undefined;
    const stream = await c.run(async ({ deployment }) => {
      used = deployment;
      return (async function* () {
        yield { choices: [{ delta: { content: 'hi' } }] };
      })();
    });
    for await (const _ of stream as AsyncIterable<unknown>) void _;
    expect(seen).toEqual([`stream:committed gpt-4.1 ${used}`, `stream:end gpt-4.1 ${used}`]);
    expect(used).toMatch(/^(east|west)$/);
  });

  it('spreads calls by weight', async () => {
    const c = new ResilientClient({
      models: [{ model: 'm', deployments: [{ id: 'big', client: {}, weight: 3 }, { id: 'small', client: {}, weight: 1 }] }],
      clock: createFakeClock(),
      random: seeded(7),
      monitor: false,
    });
    const count: Record<string, number> = { big: 0, small: 0 };
    for (let i = 0; i < 4000; i++) await c.run(({ deployment }) => void (count[deployment!] = (count[deployment!] ?? 0) + 1));
    expect(count.big! / 4000).toBeGreaterThan(0.72);
    expect(count.big! / 4000).toBeLessThan(0.78);
  });

  it('a lower priority is used only when the higher one cannot serve', async () => {
    const c = new ResilientClient({
      models: [{ model: 'm', deployments: [{ id: 'backup', client: {}, priority: 1, weight: 100 }, { id: 'main', client: {} }] }],
      clock: createFakeClock(),
      random: seeded(3),
      monitor: false,
      retry: false,
      breaker: { volumeThreshold: 2 },
    });
    const used: string[] = [];
    for (let i = 0; i < 10; i++) await c.run(({ deployment }) => void used.push(deployment!));
    expect(new Set(used)).toEqual(new Set(['main']));
    // main fails: the call moves to backup, within the same model
    const r = await c.run(({ deployment }) => {
      if (deployment === 'main') throw err(503);
      return deployment;
    });
    expect(r).toBe('backup');
  });

  it('one deployment failing: the call moves to the other at once (no retry there) and the model still answers; its breaker opens alone', async () => {
    const { c } = client({ breaker: { volumeThreshold: 3 } });
    const events: { name: string; p: Record<string, unknown> }[] = [];
    for (const name of ['attempt', 'retry', 'fallback', 'deployment:failover', 'breaker:open'] as const) c.on(name, (p) => events.push({ name, p: p as unknown as Record<string, unknown> }));
    const calls: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await c.run(({ deployment, model }) => {
        calls.push(deployment!);
        if (deployment === 'east') throw err(503);
        return `${model}@${deployment}`;
      });
      expect(r).toBe('gpt-4.1@west');
    }
    expect(events.filter((e) => e.name === 'retry' || e.name === 'fallback')).toEqual([]);
    expect(events.filter((e) => e.name === 'breaker:open').map((e) => e.p)).toMatchObject([{ model: 'gpt-4.1', deployment: 'east' }]);
    expect(events.find((e) => e.name === 'deployment:failover')!.p).toMatchObject({ model: 'gpt-4.1', from: 'east', to: 'west', reason: 'server' });
    // Once open, east is not sent to any more: 30 calls, east tried only until its breaker opened.
    expect(calls.filter((d) => d === 'east').length).toBeLessThanOrEqual(3);
    expect(c.breakerState('east')).toBe('open');
    expect(c.breakerState('west')).toBe('closed');
    expect(c.breakerState('gpt-4.1')).toBe('closed');
    const snap = c.snapshot();
    expect(snap.deployments!['gpt-4.1']).toMatchObject([
      { id: 'east', model: 'gpt-4.1', weight: 1, priority: 0, breaker: 'open' },
      { id: 'west', model: 'gpt-4.1', weight: 1, priority: 0, breaker: 'closed' },
    ]);
    expect(Object.keys(snap.breakers).sort()).toEqual(['east', 'west']);
  });

  it('falls to the next model only when no deployment can serve', async () => {
    const { c } = client({ retry: false });
    const fallbacks: unknown[] = [];
    c.on('fallback', (e) => fallbacks.push(e));
    const r = await c.run(({ deployment, model }) => {
      if (deployment !== undefined) throw err(503);
      return model;
    });
    expect(r).toBe('gpt-4.1-mini');
    expect(fallbacks).toMatchObject([{ from: 'gpt-4.1', to: 'gpt-4.1-mini', reason: 'server' }]);
  });

  it('a failure no deployment would do better on (400) ends the call at once', async () => {
    const { c } = client({ retry: false });
    let n = 0;
    const e = await c
      .run(() => {
        n++;
        throw err(400);
      })
      .catch((x: unknown) => x);
    expect((e as { status: number }).status).toBe(400);
    expect(n).toBe(1);
  });

  it('a quota stop on one deployment holds only the deployments of that SDK client open', async () => {
    const shared = new FakeSdk('shared');
    const c = new ResilientClient({
      models: [{ model: 'm', deployments: [{ id: 'k1-a', client: shared }, { id: 'k1-b', client: shared, model: 'm-b' }, { id: 'k2', client: new FakeSdk('k2') }] }],
      clock: createFakeClock(),
      random: seeded(2),
      monitor: false,
      retry: false,
    });
    const quota = Object.assign(new Error('You exceeded your current quota'), { status: 429, error: { type: 'insufficient_quota', code: 'insufficient_quota' } });
    const used: string[] = [];
    for (let i = 0; i < 10; i++) {
      await c.run(({ deployment }) => {
        used.push(deployment!);
        if (deployment !== 'k2') throw quota;
        return 'ok';
      });
    }
    expect(c.breakerState('k1-a')).toBe('open');
    expect(c.breakerState('k1-b')).toBe('open');
    expect(c.breakerState('k2')).toBe('closed');
    expect(used.filter((d) => d !== 'k2')).toHaveLength(1); // one quota answer stops the whole account
  });

  it('derives ids from the SDK class and region, never from a key; numbers a repeat', () => {
    class AzureOpenAI {
      apiKey = 'sk-azure-secret-0123456789';
      baseURL = 'https://my-resource.openai.azure.com/openai?sig=secret';
    }
    class AnthropicBedrock {
      awsRegion = 'us-east-1';
      awsSecretKey = 'aws-secret-0123456789';
    }
    const c = new ResilientClient({
      models: [
        { model: 'gpt-4.1', deployments: [{ client: new AzureOpenAI() }, { client: new AzureOpenAI() }, { client: {} }] },
        { model: 'claude', deployments: [{ client: new AnthropicBedrock() }] },
      ],
      monitor: false,
    });
    expect(c.snapshot().deployments).toMatchObject({
      'gpt-4.1': [{ id: 'gpt-4.1@azure' }, { id: 'gpt-4.1@azure-2' }, { id: 'gpt-4.1@deployment' }],
      claude: [{ id: 'claude@bedrock-us-east-1' }],
    });
    const text = JSON.stringify(c.snapshot()) + inspect(c.snapshot(), { depth: 10 });
    expect(text).not.toMatch(/secret|sig=|azure\.com/);
  });

  it('validates deployments and overrides, naming the option path, the expectation and the (redacted) value', () => {
    const bad = (models: unknown) => {
      try {
        new ResilientClient({ models: models as never });
      } catch (e) {
        expect(isConfigError(e)).toBe(true);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad([{ model: 'm', deployments: [] }])).toContain('models.0.deployments: expected a non-empty array of deployments');
    expect(bad([{ model: 'm', deployments: [{ client: {}, weight: -1 }] }])).toContain('models.0.deployments.0.weight: expected a positive number, received -1');
    expect(bad([{ model: 'm', deployments: [{ client: 'sk-proj-abcdefghijklmnopqrstuvwxyz012345' }] }])).toMatch(/models\.0\.deployments\.0\.client: expected an SDK client object, received "(?!sk-proj-abcdefghijklmnop)/);
    expect(bad([{ model: 'm', deployments: [{ client: {}, id: 'x' }, { client: {}, id: 'x' }] }])).toContain('models.0.deployments.1.id: expected an id used by no other deployment or model, received "x"');
    expect(bad(['m', { model: 'n', deployments: [{ client: {}, id: 'm' }] }])).toContain('models.1.deployments.0.id');
    expect(bad([{ model: 'm', retry: { maxRetries: -1 } }])).toContain('models.0.retry.maxRetries: expected');
    expect(bad([{ model: 'm', deployments: [{ client: {}, breaker: { volumeThreshold: 1.5 } }] }])).toContain('models.0.deployments.0.breaker.volumeThreshold: expected');
    expect(bad([{ model: 'm', timeoutMs: 0 }])).toContain('models.0.timeoutMs: expected');
    expect(bad([{ model: 'm', limits: { maxConcurrent: 0 } }])).toContain('models.0.limits.maxConcurrent: expected');
    expect(bad([{ model: 'm', deployments: [{ client: {}, apiKey: 'sk-proj-abcdefghijklmnopqrstuvwxyz012345' }] }])).not.toContain('abcdefghijklmnop');
  });
});

describe('per-model and per-deployment overrides', () => {
  it('retry: a model’s own maxRetries over the client’s; a deployment’s false turns it off there', async () => {
    const c = new ResilientClient({
      models: [{ model: 'few', retry: { maxRetries: 1 } }, { model: 'd', deployments: [{ id: 'only', client: {}, retry: false }] }, 'plain'],
      clock: createFakeClock(),
      monitor: false,
      breaker: false,
      retry: { maxRetries: 4, initialDelayMs: 0, jitter: 'none', preferFallback: false },
    });
    const tries: Record<string, number> = {};
    await c.run(({ model, deployment }) => {
      const k = deployment ?? model;
      tries[k] = (tries[k] ?? 0) + 1;
      if (model !== 'plain') throw err(503);
      throw err(503);
    }).catch(() => {});
    expect(tries).toEqual({ few: 2, only: 1, plain: 5 });
  });

  it('breaker: a deployment’s own volumeThreshold', async () => {
    const c = new ResilientClient({
      models: [{ model: 'm', deployments: [{ id: 'touchy', client: {}, breaker: { volumeThreshold: 1, errorThresholdPercentage: 1 } }, { id: 'calm', client: {}, priority: 1 }] }],
      clock: createFakeClock(),
      monitor: false,
      retry: false,
    });
    await c.run(({ deployment }) => {
      if (deployment === 'touchy') throw err(503);
      return 'ok';
    });
    expect(c.breakerState('touchy')).toBe('open');
  });

  it('timeoutMs: a deployment’s own; the call’s own still wins', async () => {
    const clock = createFakeClock();
    const c = new ResilientClient({
      models: [{ model: 'm', deployments: [{ id: 'slow', client: {}, timeoutMs: 1_000 }, { id: 'fast', client: {}, priority: 1 }] }],
      clock,
      monitor: false,
      retry: false,
      timeoutMs: 60_000,
    });
    const never = (signal: AbortSignal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const p = c.run(({ deployment, signal }) => (deployment === 'slow' ? never(signal) : 'fast answered'));
    await clock.advance(1_000);
    expect(await p).toBe('fast answered');
    const q = c.run(({ deployment, signal }) => (deployment === 'slow' ? never(signal) : 'fast'), { timeoutMs: 5_000 });
    await clock.advance(1_000);
    let settled = false;
    void q.then(() => (settled = true));
    await clock.advance(0);
    expect(settled).toBe(false);
    await clock.advance(4_000);
    expect(await q).toBe('fast');
  });

  it('limits: each deployment has its own admission; a full one sends the call to the other deployment', async () => {
    const c = new ResilientClient({
      models: [{ model: 'm', limits: { maxConcurrent: 1 }, deployments: [{ id: 'one', client: {} }, { id: 'two', client: {} }] }],
      clock: createFakeClock(),
      random: seeded(5),
      monitor: false,
    });
    const release: (() => void)[] = [];
    const running: string[] = [];
    const calls = [0, 1].map(() =>
      c.run(({ deployment }) => {
        running.push(deployment!);
        return new Promise<string>((r) => release.push(() => r(deployment!)));
      }),
    );
    await new Promise((r) => setTimeout(r, 5));
    expect(running.sort()).toEqual(['one', 'two']);
    for (const r of release) r();
    expect((await Promise.all(calls)).sort()).toEqual(['one', 'two']);
    expect(Object.keys(c.snapshot().limits).sort()).toEqual(['one', 'two']);
  });
});
