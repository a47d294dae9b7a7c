/**
 * The contenders, each set up the way its own docs show a new user, all calling
 * the simulated provider through the real SDK of the incident's wire format
 * (`openai`, or `@anthropic-ai/sdk` for Claude models; transport.ts).
 */
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, fallback, handleAll, retry, wrap } from 'cockatiel';
import { type CallRunOptions, type Clock, ResilientClient, type ResilientClientOptions } from '../../src/index.js';
import { CALL_DEADLINE_MS } from './workload.js';
import { DEPLOYMENT_MODELS, type Incident, type ModelSet, PRIMARY_DEPLOYMENT, type WireFormat } from './incidents.js';
import { OracleDispatcher } from './oracle.js';
import { RESERVED_HEADER, type SimulatedProvider } from './provider.js';
import type { SimTime } from './sim-time.js';
import { type ChatBody, openaiSdk, transport, wrapped } from './transport.js';

export interface CallRequest {
  readonly callId: number;
  /** The task the call belongs to, and its place in it (0: the task's first call). */
  readonly taskId: number;
  readonly step: number;
  /** Prompt tokens as the provider counts them, and `max_tokens`: the oracle's weight. */
  readonly inputTokens: number;
  /** The request body without its model (each contender names the model it asks). */
  readonly body: ChatBody;
}

/**
 * State several workers of one run share on purpose, outside the contenders'
 * own memory: the seam for a shared store (e.g. Redis-backed buckets). A run
 * given one hands each worker of ours `clientOptions(worker)`, merged into its
 * options; it is disposed after the run. Peers ignore it.
 */
export interface SharedStore {
  readonly id: string;
  clientOptions(worker: number): Partial<ResilientClientOptions>;
  dispose(): void | Promise<void>;
}

export interface Env {
  readonly sim: SimTime;
  readonly provider: SimulatedProvider;
  /** The wire format of the run, and its two models (primary first). */
  readonly format: WireFormat;
  readonly models: ModelSet;
  /** This worker's index, 0 … workers − 1; each worker is a separate client with no shared memory. */
  readonly worker: number;
  readonly workers: number;
  /** Shared by the oracle's workers only (it is omniscient anyway); never read by a real contender. */
  readonly org: Map<string, unknown>;
  readonly shared?: SharedStore;
  /** The incident being replayed (ours configures the primary's deployments when it has some). */
  readonly incident?: Incident;
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
  /**
   * In incidents whose workers share state on Redis: `uses` it; `ignores` it (its
   * figures are the same run's without Redis); or is not measured there.
   */
  readonly redis: 'uses' | 'ignores' | 'unmeasured';
  /** Configures the primary's second deployment where an incident has one (the README's quick start as written does not). */
  readonly deployments?: false;
  make(env: Env): Runner;
}

/**
 * Our library as docs/rate-limits.md recommends setting it up for rate limits:
 * the defaults, plus the optional limits of the provider tier per model (known
 * before the first response). The doc's example also caps `maxConcurrent`;
 * that is left out, as a user would not know a right value and a cap would
 * measure itself, not the rate-limit handling. With several workers that share
 * no state (`processes` > 1), the doc's `limits.processes` set to their number;
 * on Redis the doc leaves it out (pass 1). Keep this the single place those
 * options live, so the benchmark follows the doc when the doc changes.
 */
export function documentedRateLimitSetup(clock: Clock, models: ModelSet, processes = 1): ResilientClientOptions {
  const limitsOf = (name: string) => {
    const m = models.specs.find((x) => x.name === name)!;
    // The library's configured token limit is one tokens-per-minute figure; Anthropic's tiers state input and output apart.
    return m.tpm === undefined ? { requestsPerMinute: m.rpm } : { requestsPerMinute: m.rpm, tokensPerMinute: m.tpm };
  };
  return {
    models: [models.primary, models.backup],
    clock,
    limits: { ...(processes > 1 ? { processes } : {}), models: { [models.primary]: limitsOf(models.primary), [models.backup]: limitsOf(models.backup) } },
  };
}

/**
 * What docs/rate-limits.md recommends passing with each call: the caller's own
 * deadline (here the replay's 120 s a call), so admission waits by it.
 */
export const documentedRunOptions = (): CallRunOptions => ({ deadlineMs: CALL_DEADLINE_MS });

/**
 * Ours through the drop-in wrapper: it reports every attempt's headers and turns the SDK's retries off.
 * Each call carries its task's id (`withRunOptions({ taskId })`), as the docs show for agent tasks.
 */
/**
 * The primary as a user with two deployments of it sets it up (docs/deployments.md):
 * the account that is normally used first, the second deployment (its own SDK
 * client and model name) as the backup of the same model; the limits the
 * options give the primary go to each deployment, with the second's own figures.
 */
function withDeployments(env: Env, options: ResilientClientOptions): ResilientClientOptions {
  const primary = env.models.primary;
  const limited = options.limits?.models?.[primary] !== undefined;
  const second = DEPLOYMENT_MODELS.find((m) => m.name === PRIMARY_DEPLOYMENT)!;
  const deployments = [
    { id: 'direct', client: openaiSdk(env, 0), ...(limited ? { limits: options.limits!.models![primary] } : {}) },
    { id: 'second', client: openaiSdk(env, 0), model: PRIMARY_DEPLOYMENT, priority: 1, ...(limited ? { limits: { requestsPerMinute: second.rpm, tokensPerMinute: second.tpm } } : {}) },
  ];
  return { ...options, models: options.models.map((m) => (m === primary ? { model: primary, deployments } : m)) };
}

function ours(env: Env, given: ResilientClientOptions, run?: CallRunOptions): Runner {
  const options = env.incident?.deployments ? withDeployments(env, given) : given;
  const client = new ResilientClient(env.shared ? { ...options, ...env.shared.clientOptions(env.worker) } : options);
  const call = wrapped(env, client, run);
  // Listening only counts: no decision reads these. Add event names here as the library grows them.
  const counts: Record<string, number> = {};
  const bump = (key: string) => void (counts[key] = (counts[key] ?? 0) + 1);
  client.on('retry', (e) => bump(`retry (${e.reason})`));
  client.on('fallback', (e) => bump(`fallback (${e.reason})`));
  client.on('breaker:open', (e) => bump(`breaker:open ${e.model}`));
  client.on('exhausted', (e) => bump(`exhausted (${e.failures.map((f) => f.reason).join(', ')})`));
  client.on('limit:wait', () => bump('limit:wait'));
  client.on('hedge:started', () => bump('hedge:started'));
  client.on('hedge:won', (e) => bump(`hedge:won ${e.model}`));
  client.on('store:degraded', (e) => bump(`store:degraded ${e.store}`));
  return {
    diagnostics: () => counts,
    call,
    dispose: () => client.dispose(),
  };
}

export const CONTENDERS: readonly Contender[] = [
  {
    id: 'sdk',
    label: 'SDK alone (maxRetries 2)',
    ours: false,
    redis: 'ignores',
    make(env) {
      const t = transport(env, 2);
      return { call: (r, signal) => t.send(env.models.primary, r, signal), dispose: () => {} };
    },
  },
  {
    id: 'sdk-fallback',
    label: 'SDK + try/catch fallback',
    ours: false,
    redis: 'ignores',
    make(env) {
      const t = transport(env, 2);
      return {
        async call(r, signal) {
          try {
            return await t.send(env.models.primary, r, signal);
          } catch (error) {
            if (signal.aborted) throw error;
            return t.send(env.models.backup, r, signal);
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
    redis: 'ignores',
    make(env) {
      // cockatiel's README set-up, one retry+breaker per model; the SDK's own retries off so they do not multiply.
      const t = transport(env, 0);
      const policy = () =>
        wrap(retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }), circuitBreaker(handleAll, { halfOpenAfter: 10 * 1000, breaker: new ConsecutiveBreaker(5) }));
      const primary = policy();
      const backup = policy();
      return {
        call: (r, signal) =>
          fallback(handleAll, () => backup.execute(({ signal: s }) => t.send(env.models.backup, r, s), signal)).execute(() =>
            primary.execute(({ signal: s }) => t.send(env.models.primary, r, s), signal),
          ),
        dispose: () => {},
      };
    },
  },
  {
    id: 'ours',
    label: 'ours, defaults',
    ours: true,
    redis: 'uses',
    make: (env) => ours(env, { models: [env.models.primary, env.models.backup], clock: env.sim.clock }),
  },
  {
    id: 'ours-documented',
    label: 'ours, documented rate-limit set-up',
    ours: true,
    redis: 'uses',
    make: (env) => ours(env, documentedRateLimitSetup(env.sim.clock, env.models, env.shared ? 1 : env.workers), documentedRunOptions()),
  },
  {
    // The README's quick start exactly as written: the SDK with maxRetries 0, the README's client
    // options, and `client.run` around the SDK call (no wrapper, no `request`, no limits), with the
    // caller's patience as its signal: the README's `AbortSignal.timeout(120_000)` is the task's
    // 120-s deadline here (CALL_DEADLINE_MS), on simulated time.
    id: 'ours-quickstart',
    label: 'ours, README quick start (client.run)',
    ours: true,
    redis: 'uses',
    deployments: false,
    make(env) {
      const t = transport(env, 0);
      const options = { models: [env.models.primary, env.models.backup], retry: { maxRetries: 3 }, clock: env.sim.clock };
      const client = new ResilientClient(env.shared ? { ...options, ...env.shared.clientOptions(env.worker) } : options);
      return {
        call: (r, signal) => client.run(({ model, signal: s }) => t.create(model, r, s), { signal }).then((c) => c.model),
        dispose: () => client.dispose(),
      };
    },
  },
  {
    // Opt-in: measured on every incident for its latency and its extra requests; the targets are for the two above.
    id: 'ours-hedged',
    label: 'ours + hedging (auto delay, maxShare 0.5)',
    ours: false,
    redis: 'unmeasured',
    make: (env) => ours(env, { models: [env.models.primary, env.models.backup], clock: env.sim.clock, hedge: { delayMs: 'auto', maxShare: 0.5 } }),
  },
  {
    id: 'oracle',
    label: 'best possible (oracle)',
    ours: false,
    redis: 'ignores',
    make(env) {
      const t = transport(env, 0);
      const dispatcher = (env.org.get('oracle') as OracleDispatcher | undefined) ?? new OracleDispatcher(env);
      env.org.set('oracle', dispatcher);
      return {
        async call(r, signal) {
          const model = await dispatcher.admit(r, signal);
          const served = await t.send(model, r, signal, { [RESERVED_HEADER]: '1' });
          // The primary's second deployment is the primary model, as for our contenders.
          return served === PRIMARY_DEPLOYMENT ? env.models.primary : served;
        },
        dispose: () => dispatcher.dispose(),
      };
    },
  },
];

