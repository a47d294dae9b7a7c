import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/monitor/report.js';
import { ResilientClient, isConfigError, isResilienceError, type ResilienceEventName, type ResilientClientOptions } from '../../src/index.js';
import { FakeAPIError, createFakeClock } from '../../src/testing/index.js';

/**
 * Provider errors whose headers, bodies and messages carry credentials go
 * through the whole pipeline (retry, breaker, fallback, exhaustion). Nothing
 * the library produces itself — event payloads, its own error messages and
 * fields, snapshots or reports — may contain them. The provider's own error
 * objects are passed through or kept in `cause` untouched, by design: they are
 * the provider's text, not ours.
 */

// Random-looking bodies so a 5-character window cannot match ordinary text.
const SECRETS = {
  bearer: 'sk-proj-Q7xZ9kLm2Pw4Rt8Vb',
  apiKeyHeader: 'sk-ant-api03-H5jK8nB3vC6xM1qW',
  inMessage: 'sk-proj-T4gY7uI0oP2aS5dF',
  inBody: 'sk-live-Z3xC6vB9nM2lK5jH',
  inCause: 'sk-test-R8eW1qA4sD7fG0hJ',
} as const;

/** Every 5-character window of each secret's random part: catches partial leaks too. */
function leaksIn(text: string): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(SECRETS)) {
    const body = secret.replace(/^sk-(proj-|ant-api03-|live-|test-)?/, '');
    for (let i = 0; i + 5 <= body.length; i++) {
      if (text.includes(body.slice(i, i + 5))) {
        found.push(`${name} (${body.slice(i, i + 5)})`);
        break;
      }
    }
  }
  return found;
}

const secretHeaders = () => ({
  authorization: `Bearer ${SECRETS.bearer}`,
  'x-api-key': SECRETS.apiKeyHeader,
});

/** Errors shaped like the SDKs', each carrying the keys somewhere. */
const poisoned: (() => unknown)[] = [
  () =>
    new FakeAPIError(401, `401 Incorrect API key provided: ${SECRETS.inMessage}`, {
      headers: secretHeaders(),
      type: 'authentication_error',
    }),
  () => new FakeAPIError(429, `429 Rate limit for key ${SECRETS.inMessage}`, { headers: { ...secretHeaders(), 'retry-after': '1' }, type: 'rate_limit_error' }),
  () => new FakeAPIError(500, `500 upstream said x-api-key: ${SECRETS.apiKeyHeader}`, { headers: secretHeaders(), type: 'api_error' }),
  () => new FakeAPIError(529, '529 Overloaded', { headers: secretHeaders(), type: 'overloaded_error' }),
  () =>
    Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error(`connect ECONNREFUSED (authorization: Bearer ${SECRETS.inCause})`), { code: 'ECONNREFUSED' }),
    }),
  // AI SDK APICallError shape: plain-object headers, raw body text.
  () =>
    Object.assign(new Error(`Incorrect API key provided: ${SECRETS.inBody}`), {
      name: 'AI_APICallError',
      statusCode: 401,
      responseHeaders: secretHeaders(),
      responseBody: JSON.stringify({ error: { message: `Incorrect API key provided: ${SECRETS.inBody}`, type: 'invalid_request_error', code: SECRETS.inBody } }),
      isRetryable: false,
    }),
  // An error type/code field that itself is a key (a body is free text).
  () => new FakeAPIError(503, 'Service unavailable', { headers: secretHeaders(), type: SECRETS.inBody, code: SECRETS.inMessage }),
];

const ALL_EVENTS: readonly ResilienceEventName[] = ['attempt', 'success', 'failure', 'retry', 'breaker:open', 'breaker:half-open', 'breaker:close', 'fallback', 'exhausted'];

/** Our own error: its message, name, code and own fields, without the provider errors it carries as causes. */
function describeOurError(e: unknown): string {
  if (!isResilienceError(e)) return '';
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'failures') own[k] = (v as { model: string; reason: string; error: unknown }[]).map((f) => ({ model: f.model, reason: f.reason, ours: describeOurError(f.error) }));
    else own[k] = v;
  }
  return `${e.name}: ${e.message} ${JSON.stringify(own)}`;
}

/** Reports the client may offer (monitor snapshot etc.), once wired: read them if they exist. */
/** Everything the client can report about itself: snapshot, Markdown and JSON reports, budget. */
async function reports(client: ResilientClient): Promise<string[]> {
  const snap = client.snapshot({ process: true });
  const out = [JSON.stringify(snap)];
  if (snap.monitor) out.push(renderReport(snap.monitor), renderReport(snap.monitor, { format: 'json' }));
  const budget = await client.budgetSnapshot();
  if (budget) out.push(JSON.stringify(budget));
  return out;
}

describe('no secret reaches anything the library produces', () => {
  it('through retry, breaker, fallback and exhaustion', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({
      models: ['primary', 'secondary', 'tertiary'],
      clock,
      random: () => 0.5,
      timeoutMs: 5_000,
      retry: { maxRetries: 1, initialDelayMs: 10 },
      breaker: { volumeThreshold: 2, resetTimeoutMs: 1_000 },
      budget: { day: { maxTokens: 1_000_000 } },
    });
    const produced: string[] = [];
    for (const name of ALL_EVENTS) client.on(name, (payload) => void produced.push(`${name} ${JSON.stringify(payload)}`));

    let n = 0;
    const failing = () => {
      throw poisoned[n++ % poisoned.length]!();
    };
    const seen = new Set<string>();
    for (let round = 0; round < 3 * poisoned.length; round++) {
      const p = client.run(failing).then(
        () => undefined,
        (e: unknown) => e,
      );
      await clock.advance(2_000);
      const error = await p;
      seen.add((error as Error)?.name);
      produced.push(describeOurError(error));
    }
    const reported = await reports(client);
    expect(reported.length).toBeGreaterThanOrEqual(4);
    produced.push(...reported);
    client.dispose();

    // The scenario must really have produced our errors and many events.
    expect(seen.has('AllModelsFailedError')).toBe(true);
    expect(produced.filter((p) => p.startsWith('failure')).length).toBeGreaterThan(poisoned.length);
    expect(produced.some((p) => p.startsWith('breaker:open'))).toBe(true);
    expect(produced.some((p) => p.startsWith('fallback'))).toBe(true);
    expect(produced.some((p) => p.startsWith('exhausted'))).toBe(true);
    expect(produced.filter((p) => leaksIn(p).length > 0)).toEqual([]);
  });

  it('the leak detector itself finds a secret and a partial one', () => {
    expect(leaksIn(`x ${SECRETS.bearer} y`)).toEqual(['bearer (Q7xZ9)']);
    expect(leaksIn('cut at sk-ant-api03-H5jK8')).toEqual(['apiKeyHeader (H5jK8)']);
    expect(leaksIn('nothing here')).toEqual([]);
  });

  it('ConfigError never echoes a key put into the wrong option', () => {
    const wrong: Record<string, unknown>[] = [
      { timeoutMs: SECRETS.inMessage },
      { timeoutMs: `Bearer ${SECRETS.bearer}` },
      { clock: `x-api-key: ${SECRETS.apiKeyHeader}` },
      { random: SECRETS.inBody },
      { models: [{ apiKey: SECRETS.inBody }] },
      { models: SECRETS.inBody },
      { retry: { apiKey: SECRETS.inMessage } },
      { retry: SECRETS.inCause },
      { breaker: { authorization: `Bearer ${SECRETS.bearer}` } },
      { apiKey: SECRETS.inMessage, headers: { authorization: `Bearer ${SECRETS.bearer}` } },
      { timeoutMs: `my key is ${SECRETS.inCause} do not share` },
    ];
    for (const extra of wrong) {
      let error: unknown;
      try {
        new ResilientClient({ models: ['a'], ...extra } as unknown as ResilientClientOptions).dispose();
      } catch (e) {
        error = e;
      }
      expect(isConfigError(error), JSON.stringify(Object.keys(extra))).toBe(true);
      expect(leaksIn(describeOurError(error)), describeOurError(error)).toEqual([]);
    }
  });
});
