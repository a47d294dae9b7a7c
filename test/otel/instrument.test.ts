import type { Span, Tracer } from '@opentelemetry/api';
import { type DataPoint, type Histogram, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { ResilientClient, isConfigError } from '../../src/index.js';
import { instrument } from '../../src/otel/index.js';
import { createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';

/** A reader the test pulls from: no export interval, no real timer. */
class PullReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

async function collect(reader: PullReader): Promise<Map<string, MetricData>> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  const out = new Map<string, MetricData>();
  for (const scope of resourceMetrics.scopeMetrics) for (const m of scope.metrics) out.set(m.descriptor.name, m);
  return out;
}

function setup(scripts: Parameters<typeof createFakeProvider>[1]) {
  const clock = createFakeClock();
  const provider = createFakeProvider(clock, scripts);
  const client = new ResilientClient({
    models: ['claude-sonnet-4-5', 'gpt-4.1'],
    clock,
    random: () => 0.5,
    // preferFallback off: these tests count the primary's retry; by default a 5xx would go straight to the secondary.
    retry: { maxRetries: 1, initialDelayMs: 100, jitter: 'none', preferFallback: false },
    breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 5_000 },
  });
  const reader = new PullReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { clock, provider, client, reader, meter: meterProvider.getMeter('test') };
}

const points = (m: MetricData | undefined) => (m?.dataPoints ?? []) as DataPoint<unknown>[];

describe('instrument (OpenTelemetry metrics)', () => {
  it('records GenAI duration and token usage, retries, fallbacks and breaker state after a scripted run', async () => {
    const { clock, provider, client, reader, meter } = setup({
      'claude-sonnet-4-5': [step.serverError(500, { latencyMs: 200 })],
      'gpt-4.1': [step.success({ latencyMs: 1_500, usage: { input_tokens: 10, output_tokens: 20 } })],
    });
    const stop = instrument(client, { meter });
    const run = client.run(provider.call);
    await clock.advance(5_000);
    await run;

    const metrics = await collect(reader);
    const duration = points(metrics.get('gen_ai.client.operation.duration'));
    expect(metrics.get('gen_ai.client.operation.duration')!.descriptor.unit).toBe('s');
    const failed = duration.find((p) => p.attributes['error.type'] === 'server')!;
    expect(failed.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.provider.name': 'anthropic',
      'error.type': 'server',
    });
    expect((failed.value as Histogram).count).toBe(2); // first attempt and its retry
    expect((failed.value as Histogram).sum).toBeCloseTo(0.4);
    const ok = duration.find((p) => p.attributes['gen_ai.request.model'] === 'gpt-4.1')!;
    expect(ok.attributes['error.type']).toBeUndefined();
    expect(ok.attributes['gen_ai.provider.name']).toBe('openai');
    expect((ok.value as Histogram).sum).toBeCloseTo(1.5);

    expect(points(metrics.get('gen_ai.client.token.usage'))).toEqual([]); // no budget, no `budget:usage`, no token figures

    const retries = points(metrics.get('llm_resilience.retries'));
    expect(retries.map((p) => [p.attributes['gen_ai.request.model'], p.attributes['llm_resilience.reason'], p.value])).toEqual([
      ['claude-sonnet-4-5', 'server', 1],
    ]);
    const fallbacks = points(metrics.get('llm_resilience.fallbacks'));
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]!.attributes).toMatchObject({ 'gen_ai.request.model': 'claude-sonnet-4-5', 'llm_resilience.fallback.to': 'gpt-4.1' });

    // Two failures out of two calls opened the primary's breaker.
    const breaker = points(metrics.get('llm_resilience.breaker.state'));
    const state = Object.fromEntries(breaker.map((p) => [p.attributes['gen_ai.request.model'], p.value]));
    expect(state).toEqual({ 'claude-sonnet-4-5': 2, 'gpt-4.1': 0 });

    stop();
    stop(); // idempotent
    expect(client.listenerCount()).toBe(0);
    client.dispose();
  });

  it('reads token usage from budget:usage, budget gauges from the snapshot and time to first token from stream:committed', async () => {
    const { reader, meter } = setup({});
    const listeners = new Map<string, (p: unknown) => void>();
    const fakeClient = {
      on: (name: string, fn: (p: unknown) => void) => {
        listeners.set(name, fn);
        return () => listeners.delete(name);
      },
      snapshot: () => ({
        budget: {
          scopes: [
            { scope: 'day', key: 'day:2026-01-01', limitTokens: 1000, usedTokens: 900, remainingTokens: 100, limitUsd: null, costUsd: 0.5, remainingUsd: null },
            { scope: 'model', model: 'gpt-4.1', key: 'model:x', limitTokens: null, usedTokens: 5, remainingTokens: null, limitUsd: 2, costUsd: 0.5, remainingUsd: 1.5 },
            { scope: 'task', taskId: 't1', key: 'task:t1', limitTokens: 10, usedTokens: 5, remainingTokens: 5, limitUsd: null, costUsd: 0, remainingUsd: null },
          ],
        },
      }),
    };
    const stop = instrument(fakeClient, { meter });
    listeners.get('stream:committed')!({ timestamp: 0, model: 'gpt-4.1', attempt: 1, ttftMs: 250, bufferedChunks: 0 });
    const usage = { timestamp: 0, model: 'claude-sonnet-4-5', inputTokens: 10, outputTokens: 20, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: null };
    listeners.get('budget:usage')!({ ...usage, estimated: false });
    listeners.get('budget:usage')!({ ...usage, inputTokens: 1_000, estimated: true }); // an estimate is not a measurement
    const metrics = await collect(reader);
    const row = (p: DataPoint<unknown>) => [p.attributes['llm_resilience.budget.scope'], p.attributes['llm_resilience.budget.unit'], p.value];
    expect(points(metrics.get('llm_resilience.budget.used')).map(row)).toEqual([['day', 'tokens', 900], ['model:gpt-4.1', 'usd', 0.5]]);
    expect(points(metrics.get('llm_resilience.budget.remaining')).map(row)).toEqual([['day', 'tokens', 100], ['model:gpt-4.1', 'usd', 1.5]]);
    const tokens = points(metrics.get('gen_ai.client.token.usage'));
    expect(tokens.map((p) => [p.attributes['gen_ai.token.type'], p.attributes['gen_ai.request.model'], (p.value as Histogram).sum])).toEqual([
      ['input', 'claude-sonnet-4-5', 10],
      ['output', 'claude-sonnet-4-5', 20],
    ]);
    const ttft = points(metrics.get('llm_resilience.stream.time_to_first_token'));
    expect((ttft[0]!.value as Histogram).sum).toBeCloseTo(0.25);
    stop();
    expect(listeners.size).toBe(0);
  });

  it('keeps per-model state bounded when callers name ever new models: the least recently used extra ones are forgotten', async () => {
    const listeners = new Map<string, ((p: unknown) => void)[]>();
    const client = {
      models: ['primary'],
      on(event: string, fn: (p: unknown) => void) {
        listeners.set(event, [...(listeners.get(event) ?? []), fn]);
        return () => {};
      },
    };
    const emit = (event: string, p: unknown) => {
      for (const fn of listeners.get(event) ?? []) fn(p);
    };
    const reader = new PullReader();
    const stop = instrument(client, { meter: new MeterProvider({ readers: [reader] }).getMeter('test') });
    for (let i = 0; i < 3_000; i++) {
      emit('breaker:open', { model: `caller-model-${i}`, state: 'open' });
      emit('success', { model: `caller-model-${i}`, latencyMs: 10 });
      // One model stays in use throughout: recently used, so never forgotten.
      emit('failure', { model: 'caller-model-0', latencyMs: 10, kind: 'server' });
    }
    const states = points((await collect(reader)).get('llm_resilience.breaker.state'));
    const models = states.map((p) => p.attributes['gen_ai.request.model']);
    expect(models.length).toBe(1 + 1_000);
    expect(models).toEqual(expect.arrayContaining(['primary', 'caller-model-0', 'caller-model-2999']));
    expect(models).not.toContain('caller-model-1');
    stop();
  });

  it('records nothing and adds no listener without a meter or tracer', () => {
    const { client } = setup({});
    const stop = instrument(client, {});
    expect(client.listenerCount()).toBe(0);
    stop();
  });

  it('rejects a bad option with a ConfigError naming the path', () => {
    const { client } = setup({});
    let err: unknown;
    try {
      instrument(client, { meter: {} as never });
    } catch (e) {
      err = e;
    }
    expect(isConfigError(err)).toBe(true);
    expect((err as Error).message).toMatch(/instrument\.meter: expected an OpenTelemetry Meter/);
  });

  it('opens one span per run keyed by taskId, with attempts as events, timed by the client clock', async () => {
    const { clock, provider, client } = setup({ 'claude-sonnet-4-5': [step.rateLimit({ retryAfter: 1 }), step.success({ latencyMs: 300 })] });
    const spans: { name: string; start: unknown; end?: unknown; events: string[]; status?: unknown; attrs: Record<string, unknown> }[] = [];
    const tracer = {
      startSpan(name: string, opts: { startTime?: unknown; attributes?: Record<string, unknown> }) {
        const s = { name, start: opts.startTime, events: [] as string[], attrs: { ...opts.attributes } } as (typeof spans)[number];
        spans.push(s);
        return {
          addEvent: (e: string) => s.events.push(e),
          setAttribute: (k: string, v: unknown) => (s.attrs[k] = v),
          setStatus: (st: unknown) => (s.status = st),
          end: (t?: unknown) => (s.end = t),
        } as unknown as Span;
      },
    } as unknown as Tracer;
    const stop = instrument(client, { tracer });
    const t0 = clock.now();
    // A chain of one: with a second model that has room, the 429 would spill there instead of a retry.
    const run = client.run(provider.call, { taskId: 'task-1', models: ['claude-sonnet-4-5'] });
    await clock.advance(2_000);
    await run;
    const untracked = client.run(provider.call); // no taskId: no span
    await clock.advance(300);
    await untracked;
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ name: 'llm_resilience.run', start: t0, end: t0 + 1_300, status: { code: 1 } });
    expect(spans[0]!.events).toEqual(['attempt', 'failure', 'retry', 'attempt', 'success']);
    expect(spans[0]!.attrs).toMatchObject({ 'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.response.model': 'claude-sonnet-4-5', 'llm_resilience.task_id': 'task-1' });
    stop();
    expect(client.listenerCount()).toBe(0);
  });
});
