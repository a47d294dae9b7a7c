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
    retry: { maxRetries: 1, initialDelayMs: 100, jitter: 'none' },
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
    // The client does not yet put usage on `success`; a wrapper adds it the way the lead will.
    const stop = instrument(
      {
        ...client,
        models: client.models,
        breakerState: (m: string) => client.breakerState(m),
        on: (name: string, fn: (p: unknown) => void) =>
          client.on(name as 'success', (p) => fn(name === 'success' && p.model === 'gpt-4.1' ? { ...p, usage: { inputTokens: 10, outputTokens: 20 } } : p)),
      },
      { meter },
    );
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

    const usage = points(metrics.get('gen_ai.client.token.usage'));
    const byType = Object.fromEntries(usage.map((p) => [p.attributes['gen_ai.token.type'], (p.value as Histogram).sum]));
    expect(byType).toEqual({ input: 10, output: 20 });

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

  it('reads budget gauges from the client snapshot and time to first token from stream:committed', async () => {
    const { reader, meter } = setup({});
    const listeners = new Map<string, (p: unknown) => void>();
    const fakeClient = {
      on: (name: string, fn: (p: unknown) => void) => {
        listeners.set(name, fn);
        return () => listeners.delete(name);
      },
      snapshot: () => ({ budget: [{ scope: 'global', used: 900, limit: 1000, unit: 'tokens' }, { scope: 'task:a', used: 5, remaining: 95 }] }),
    };
    const stop = instrument(fakeClient, { meter });
    listeners.get('stream:committed')!({ timestamp: 0, model: 'gpt-4.1', timeToFirstTokenMs: 250 });
    const metrics = await collect(reader);
    const used = points(metrics.get('llm_resilience.budget.used')).map((p) => [p.attributes['llm_resilience.budget.scope'], p.value]);
    const remaining = points(metrics.get('llm_resilience.budget.remaining')).map((p) => [p.attributes['llm_resilience.budget.scope'], p.value]);
    expect(used).toEqual([['global', 900], ['task:a', 5]]);
    expect(remaining).toEqual([['global', 100], ['task:a', 95]]);
    const ttft = points(metrics.get('llm_resilience.stream.time_to_first_token'));
    expect((ttft[0]!.value as Histogram).sum).toBeCloseTo(0.25);
    stop();
    expect(listeners.size).toBe(0);
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
    const run = client.run(provider.call, { taskId: 'task-1' });
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
