/**
 * The contenders, each set up the way its own docs show a new user, all calling
 * the simulated provider through the real `openai` SDK.
 */
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, fallback, handleAll, retry, wrap } from 'cockatiel';
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { type Clock, ResilientClient, type ResilientClientOptions } from '../../src/index.js';
import { sleep } from '../../src/clock/clock.js';
import { wrapOpenAI } from '../../src/providers/openai.js';
import { BACKUP, MODELS, PRIMARY } from './incidents.js';
import { CALL_HEADER, RESERVED_HEADER, SimulatedProvider } from './provider.js';
import type { SimTime } from './sim-time.js';

export interface CallRequest {
  readonly callId: number;
  /** Prompt tokens as the provider counts them, and `max_tokens`: the oracle's weight. */
  readonly inputTokens: number;
  readonly body: ChatCompletionCreateParamsNonStreaming;
}

export interface Env {
  readonly sim: SimTime;
  readonly provider: SimulatedProvider;
}

export interface Runner {
  /** One logical call; resolves with the model that served it. */
  call(request: CallRequest, signal: AbortSignal): Promise<string>;
  dispose(): void;
  /** Counts of what the contender did, for tuning (ours: its events). */
  diagnostics?(): Readonly<Record<string, number>>;
}

export interface Contender {
  readonly id: string;
  readonly label: string;
  /** Our library: the targets apply. */
  readonly ours: boolean;
  make(env: Env): Runner;
}

const sdk = (env: Env, maxRetries: number) => new OpenAI({ apiKey: 'sk-test', baseURL: 'https://simulated.invalid/v1', fetch: env.provider.fetch, maxRetries });

const send = (openai: OpenAI, model: string, request: CallRequest, signal: AbortSignal, extra: Record<string, string> = {}): Promise<string> =>
  openai.chat.completions
    .create({ ...request.body, model }, { signal, headers: { [CALL_HEADER]: String(request.callId), ...extra } })
    .then((r: ChatCompletion) => r.model);

/**
 * Our library as docs/rate-limits.md recommends setting it up for rate limits:
 * the defaults, plus the optional limits of the provider tier per model (known
 * before the first response). The doc's example also caps `maxConcurrent`;
 * that is left out, as a user would not know a right value and a cap would
 * measure itself, not the rate-limit handling. Keep this the single place those
 * options live, so the benchmark follows the doc when the doc changes.
 */
export function documentedRateLimitSetup(clock: Clock): ResilientClientOptions {
  const limitsOf = (name: string) => {
    const m = MODELS.find((x) => x.name === name)!;
    return { requestsPerMinute: m.rpm, tokensPerMinute: m.tpm };
  };
  return {
    models: [PRIMARY, BACKUP],
    clock,
    limits: { models: { [PRIMARY]: limitsOf(PRIMARY), [BACKUP]: limitsOf(BACKUP) } },
  };
}

/** Ours through the drop-in wrapper: it reports every attempt's headers and turns the SDK's retries off. */
function ours(env: Env, options: ResilientClientOptions): Runner {
  const client = new ResilientClient(options);
  const openai = wrapOpenAI(sdk(env, 0), client);
  // Listening only counts: no decision reads these. Add event names here as the library grows them.
  const counts: Record<string, number> = {};
  const bump = (key: string) => void (counts[key] = (counts[key] ?? 0) + 1);
  client.on('retry', (e) => bump(`retry (${e.reason})`));
  client.on('fallback', (e) => bump(`fallback (${e.reason})`));
  client.on('breaker:open', (e) => bump(`breaker:open ${e.model}`));
  client.on('exhausted', () => bump('exhausted'));
  client.on('limit:wait', () => bump('limit:wait'));
  client.on('hedge:started', () => bump('hedge:started'));
  client.on('hedge:won', (e) => bump(`hedge:won ${e.model}`));
  return {
    diagnostics: () => counts,
    call: (request, signal) =>
      openai.chat.completions.create({ ...request.body, model: PRIMARY }, { signal, headers: { [CALL_HEADER]: String(request.callId) } }).then((r) => (r as ChatCompletion).model),
    dispose: () => client.dispose(),
  };
}

export const CONTENDERS: readonly Contender[] = [
  {
    id: 'sdk',
    label: 'SDK alone (maxRetries 2)',
    ours: false,
    make(env) {
      const openai = sdk(env, 2);
      return { call: (r, signal) => send(openai, PRIMARY, r, signal), dispose: () => {} };
    },
  },
  {
    id: 'sdk-fallback',
    label: 'SDK + try/catch fallback',
    ours: false,
    make(env) {
      const openai = sdk(env, 2);
      return {
        async call(r, signal) {
          try {
            return await send(openai, PRIMARY, r, signal);
          } catch (error) {
            if (signal.aborted) throw error;
            return send(openai, BACKUP, r, signal);
          }
        },
        dispose: () => {},
      };
    },
  },
  {
    id: 'cockatiel',
    label: 'cockatiel retry+breaker+fallback',
    ours: false,
    make(env) {
      // cockatiel's README set-up, one retry+breaker per model; the SDK's own retries off so they do not multiply.
      const openai = sdk(env, 0);
      const policy = () =>
        wrap(retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }), circuitBreaker(handleAll, { halfOpenAfter: 10 * 1000, breaker: new ConsecutiveBreaker(5) }));
      const primary = policy();
      const backup = policy();
      return {
        call: (r, signal) =>
          fallback(handleAll, () => backup.execute(({ signal: s }) => send(openai, BACKUP, r, s), signal)).execute(() =>
            primary.execute(({ signal: s }) => send(openai, PRIMARY, r, s), signal),
          ),
        dispose: () => {},
      };
    },
  },
  {
    id: 'ours',
    label: 'ours, defaults',
    ours: true,
    make: (env) => ours(env, { models: [PRIMARY, BACKUP], clock: env.sim.clock }),
  },
  {
    id: 'ours-documented',
    label: 'ours, documented rate-limit set-up',
    ours: true,
    make: (env) => ours(env, documentedRateLimitSetup(env.sim.clock)),
  },
  {
    // The README's quick start exactly as written: the SDK with maxRetries 0, the README's client
    // options, and `client.run` around the SDK call (no wrapper, no `request`, no limits).
    id: 'ours-quickstart',
    label: 'ours, README quick start (client.run)',
    ours: true,
    make(env) {
      const openai = sdk(env, 0);
      const client = new ResilientClient({ models: [PRIMARY, BACKUP], retry: { maxRetries: 3 }, breaker: { resetTimeoutMs: 30_000 }, clock: env.sim.clock });
      return {
        call: (r, signal) =>
          client.run(({ model, signal: s }) => openai.chat.completions.create({ ...r.body, model }, { signal: s, headers: { [CALL_HEADER]: String(r.callId) } }), { signal }).then((c) => c.model),
        dispose: () => client.dispose(),
      };
    },
  },
  {
    // Opt-in: measured on every incident for its latency and its extra requests; the targets are for the two above.
    id: 'ours-hedged',
    label: 'ours + hedging (auto delay, maxShare 0.5)',
    ours: false,
    make: (env) => ours(env, { models: [PRIMARY, BACKUP], clock: env.sim.clock, hedge: { delayMs: 'auto', maxShare: 0.5 } }),
  },
  {
    id: 'oracle',
    label: 'best possible (oracle)',
    ours: false,
    make(env) {
      // Omniscient: knows each model's buckets and faults, sends each call once
      // to the first model that can serve it now, or waits for the first that will.
      const openai = sdk(env, 0);
      return {
        async call(r, signal) {
          const weight = SimulatedProvider.weigh(r.inputTokens, r.body.max_tokens ?? 4_096);
          for (;;) {
            let wait = Number.POSITIVE_INFINITY;
            for (const model of [PRIMARY, BACKUP]) {
              const ms = env.provider.whenServable(model, weight);
              if (ms <= 0) {
                env.provider.reserve(model, weight);
                return send(openai, model, r, signal, { [RESERVED_HEADER]: '1' });
              }
              wait = Math.min(wait, ms);
            }
            await sleep(env.sim.clock, Number.isFinite(wait) ? Math.ceil(wait) : 600_000, signal);
          }
        },
        dispose: () => {},
      };
    },
  },
];
