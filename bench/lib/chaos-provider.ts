import { sleep, type Clock } from '../../src/clock/clock.js';
import type { AttemptContext } from '../../src/index.js';
import { FakeAPIError } from '../../src/testing/index.js';
import { between } from './prng.js';

/** Every behaviour the chaos provider can pick for one attempt. */
export const FAULTS = [
  'ok',
  'no_usage',
  'slow',
  'rate_limit_retry_after',
  'rate_limit_long_retry_after',
  'rate_limit_bare',
  'overloaded',
  'server_500',
  'network',
  'hang',
  'bad_request',
  'stream_ok',
  'stream_error_first',
  'stream_error_mid',
  'stream_stall',
] as const;
export type Fault = (typeof FAULTS)[number];

/**
 * Cumulative weights (out of 1000) for a healthy model. The last model of the
 * soak is "sick": it fails most attempts with 500s so its breaker really opens.
 */
const WEIGHTS: readonly [Fault, number][] = [
  ['ok', 520],
  ['no_usage', 50],
  ['slow', 40],
  ['rate_limit_retry_after', 55],
  ['rate_limit_long_retry_after', 5],
  ['rate_limit_bare', 45],
  ['overloaded', 50],
  ['server_500', 50],
  ['network', 45],
  ['hang', 35],
  ['bad_request', 5],
  // Streams (Anthropic-shaped events): fine; an overloaded_error event before any
  // text (retried); an error after the first text (surfaced, not retried); a
  // stall after the first text (the stall timeout ends it).
  ['stream_ok', 60],
  ['stream_error_first', 15],
  ['stream_error_mid', 15],
  ['stream_stall', 10],
];

export type ChaosResponse =
  | { readonly model: string; readonly usage?: { readonly input_tokens: number; readonly output_tokens: number } }
  | AsyncIterable<Record<string, unknown>>;

export interface ChaosProvider {
  readonly call: (ctx: AttemptContext) => Promise<ChaosResponse>;
  /** Times each behaviour was picked. */
  readonly injected: Record<Fault, number>;
  /** Attempts that reached the provider. */
  invocations(): number;
}

export interface ChaosOptions {
  readonly clock: Clock;
  readonly random: () => number;
  /** Multiplies every simulated duration: 1 on the fake clock, small on the system clock. */
  readonly scale: number;
  /** Models that fail most of the time. */
  readonly sick?: ReadonlySet<string>;
}

function pick(random: () => number, sick: boolean): Fault {
  if (sick && random() < 0.7) return 'server_500';
  let r = random() * 1000;
  for (const [fault, w] of WEIGHTS) {
    if (r < w) return fault;
    r -= w;
  }
  return 'ok';
}

/**
 * A provider that injects faults at random from a seeded PRNG, each shaped like
 * what the official SDKs throw (status, `Headers`, `error.type`).
 */
export function createChaosProvider(o: ChaosOptions): ChaosProvider {
  const injected = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
  let invocations = 0;
  const ms = (min: number, max: number) => Math.max(1, Math.round(between(o.random, min, max) * o.scale));
  const retryAfterHeaders = (seconds: number): Record<string, string> =>
    o.scale === 1 && o.random() < 0.5 ? { 'retry-after': String(seconds) } : { 'retry-after-ms': String(Math.round(seconds * 1000 * o.scale)) };

  const call = async (ctx: AttemptContext): Promise<ChaosResponse> => {
    invocations++;
    const fault = pick(o.random, o.sick?.has(ctx.model) ?? false);
    injected[fault]++;
    const signal = ctx.signal;
    switch (fault) {
      case 'ok':
        await sleep(o.clock, ms(20, 800), signal);
        return { model: ctx.model, usage: { input_tokens: between(o.random, 10, 500), output_tokens: between(o.random, 1, 300) } };
      case 'no_usage':
        await sleep(o.clock, ms(20, 800), signal);
        return { model: ctx.model };
      case 'slow':
        // Some finish under the attempt timeout, some do not.
        await sleep(o.clock, ms(5_000, 15_000), signal);
        return { model: ctx.model, usage: { input_tokens: 100, output_tokens: 100 } };
      case 'hang':
        return untilAborted(signal);
      case 'stream_ok':
      case 'stream_error_first':
      case 'stream_error_mid':
      case 'stream_stall':
        await sleep(o.clock, ms(20, 400), signal);
        return chaosStream(fault, o, signal, ms);
      default:
        await sleep(o.clock, ms(5, 200), signal);
        throw makeError(fault, retryAfterHeaders, o.random);
    }
  };
  return { call, injected, invocations: () => invocations };
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** An error event inside a 200 stream, as the SDKs surface it: no status, a body type. */
const streamError = () => Object.assign(new Error('Overloaded'), { name: 'APIError', status: undefined, type: 'overloaded_error' });

async function* chaosStream(fault: Fault, o: ChaosOptions, signal: AbortSignal, ms: (min: number, max: number) => number): AsyncGenerator<Record<string, unknown>> {
  const input = between(o.random, 10, 500);
  yield { type: 'message_start', message: { usage: { input_tokens: input, output_tokens: 0 } } };
  if (fault === 'stream_error_first') throw streamError();
  let out = 0;
  for (let i = 0; i < 3; i++) {
    await sleep(o.clock, ms(5, 50), signal);
    out += 7;
    yield { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'chunk' } };
    if (fault === 'stream_error_mid') throw streamError();
    if (fault === 'stream_stall') await untilAborted(signal);
  }
  yield { type: 'message_delta', usage: { output_tokens: out } };
  yield { type: 'message_stop' };
}

function makeError(fault: Fault, retryAfter: (s: number) => Record<string, string>, random: () => number): unknown {
  switch (fault) {
    case 'rate_limit_retry_after':
      return new FakeAPIError(429, '429 Rate limit exceeded', { headers: retryAfter(between(random, 1, 5)), type: 'rate_limit_error' });
    case 'rate_limit_long_retry_after':
      return new FakeAPIError(429, '429 Rate limit exceeded', { headers: retryAfter(120), type: 'rate_limit_error' });
    case 'rate_limit_bare':
      return new FakeAPIError(429, '429 Rate limit exceeded', { type: 'rate_limit_error' });
    case 'overloaded':
      return new FakeAPIError(529, '529 Overloaded', { type: 'overloaded_error' });
    case 'server_500':
      return new FakeAPIError(500, '500 Internal server error', { type: 'api_error' });
    case 'bad_request':
      return new FakeAPIError(400, '400 Bad request', { type: 'invalid_request_error' });
    default:
      return Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
  }
}
