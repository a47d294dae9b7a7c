/**
 * The contenders, each set up the way its own docs show a new user, all calling
 * the simulated provider through the real `openai` SDK.
 */
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, fallback, handleAll, retry, wrap } from 'cockatiel';
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { type Clock, ResilientClient, type ResilientClientOptions, withRunOptions } from '../../src/index.js';
import { wrapOpenAI } from '../../src/providers/openai.js';
import { BACKUP, DEPLOYMENT_MODELS, type Incident, MODELS, PRIMARY, PRIMARY_DEPLOYMENT } from './incidents.js';
import { CALL_HEADER, RESERVED_HEADER, SimulatedProvider } from './provider.js';
import type { SimTime } from './sim-time.js';

export interface CallRequest {
  readonly callId: number;
  /** The task the call belongs to, and its place in it (0: the task's first call). */
  readonly taskId: number;
  readonly step: number;
  /** Prompt tokens as the provider counts them, and `max_tokens`: the oracle's weight. */
  readonly inputTokens: number;
  readonly body: ChatCompletionCreateParamsNonStreaming;
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

/**
 * The primary as a user with two deployments of it sets it up (docs/deployments.md):
 * the account that is normally used first, the second deployment (its own SDK
 * client and model name) as the backup of the same model; the limits the
 * options give the primary go to each deployment, with the second's own figures.
 */
function withDeployments(env: Env, options: ResilientClientOptions): ResilientClientOptions {
  const limited = options.limits?.models?.[PRIMARY] !== undefined;
  const second = DEPLOYMENT_MODELS.find((m) => m.name === PRIMARY_DEPLOYMENT)!;
  const deployments = [
    { id: 'direct', client: sdk(env, 0), ...(limited ? { limits: options.limits!.models![PRIMARY] } : {}) },
    { id: 'second', client: sdk(env, 0), model: PRIMARY_DEPLOYMENT, priority: 1, ...(limited ? { limits: { requestsPerMinute: second.rpm, tokensPerMinute: second.tpm } } : {}) },
  ];
  return { ...options, models: options.models.map((m) => (m === PRIMARY ? { model: PRIMARY, deployments } : m)) };
}

/**
 * Ours through the drop-in wrapper: it reports every attempt's headers and turns the SDK's retries off.
 * Each call carries its task's id (`withRunOptions({ taskId })`), as the docs show for agent tasks.
 */
function ours(env: Env, given: ResilientClientOptions): Runner {
  const options = env.incident?.deployments ? withDeployments(env, given) : given;
  const client = new ResilientClient(env.shared ? { ...options, ...env.shared.clientOptions(env.worker) } : options);
  const openai = wrapOpenAI(sdk(env, 0), client);
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
  return {
    diagnostics: () => counts,
    call: (request, signal) =>
      openai.chat.completions
        .create({ ...request.body, model: PRIMARY }, withRunOptions({ taskId: `task-${request.taskId}` }, { signal, headers: { [CALL_HEADER]: String(request.callId) } }))
        .then((r) => (r as ChatCompletion).model),
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
      const openai = sdk(env, 0);
      const dispatcher = (env.org.get('oracle') as OracleDispatcher | undefined) ?? new OracleDispatcher(env);
      env.org.set('oracle', dispatcher);
      return {
        async call(r, signal) {
          const model = await dispatcher.admit(r, signal);
          return send(openai, model, r, signal, { [RESERVED_HEADER]: '1' });
        },
        dispose: () => dispatcher.dispose(),
      };
    },
  },
];

/** How long the oracle lets a task's first call wait before refusing the task (capacity then goes to tasks already under way). */
const ORACLE_ADMIT_MS = 20_000;

interface OracleWaiter {
  readonly step: number;
  readonly seq: number;
  readonly weight: number;
  readonly resolve: (model: string) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The oracle: omniscient (it reads each model's buckets and faults), shared by
 * all workers of a run, it sends each call once to the first model that can
 * serve it now. When none can, calls queue with a task's later calls first, so
 * capacity goes to tasks already under way; a task's first call that would
 * wait more than {@link ORACLE_ADMIT_MS} behind the queue is refused at once.
 * Over capacity that is what keeps it an upper bound: it never spends capacity
 * on a task that cannot finish.
 */
class OracleDispatcher {
  readonly #env: Env;
  readonly #queue: OracleWaiter[] = [];
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDue = Number.POSITIVE_INFINITY;
  readonly #callsPerMs = MODELS.reduce((n, m) => n + m.rpm, 0) / 60_000;

  constructor(env: Env) {
    this.#env = env;
  }

  #servable(weight: number): string | number {
    let wait = Number.POSITIVE_INFINITY;
    for (const model of [PRIMARY, BACKUP]) {
      const ms = this.#env.provider.whenServable(model, weight);
      if (ms <= 0) return model;
      wait = Math.min(wait, ms);
    }
    return wait;
  }

  admit(r: CallRequest, signal: AbortSignal): Promise<string> {
    const weight = SimulatedProvider.weigh(r.inputTokens, r.body.max_tokens ?? 4_096);
    if (this.#queue.length === 0) {
      const now = this.#servable(weight);
      if (typeof now === 'string') {
        this.#env.provider.reserve(now, weight);
        return Promise.resolve(now);
      }
    }
    if (r.step === 0 && (this.#queue.length + 1) / this.#callsPerMs > ORACLE_ADMIT_MS) return Promise.reject(new Error('oracle: over capacity, task refused'));
    return new Promise<string>((resolve, reject) => {
      const w: OracleWaiter = {
        step: r.step,
        seq: ++this.#seq,
        weight,
        resolve: (m) => (signal.removeEventListener('abort', abort), resolve(m)),
        reject,
      };
      const abort = () => {
        const i = this.#queue.indexOf(w);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', abort, { once: true });
      // Later steps first, then arrival order.
      let i = this.#queue.findIndex((q) => q.step < w.step);
      if (i < 0) i = this.#queue.length;
      this.#queue.splice(i, 0, w);
      this.#pump();
    });
  }

  #pump(): void {
    for (;;) {
      const head = this.#queue[0];
      if (!head) return;
      const now = this.#servable(head.weight);
      if (typeof now === 'string') {
        this.#queue.shift();
        this.#env.provider.reserve(now, head.weight);
        head.resolve(now);
        continue;
      }
      const ms = Number.isFinite(now) ? Math.max(1, Math.ceil(now)) : 600_000;
      const due = this.#env.sim.now() + ms;
      if (this.#timer !== undefined && this.#timerDue <= due) return;
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timerDue = due;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#timerDue = Number.POSITIVE_INFINITY;
        this.#pump();
      }, ms);
      return;
    }
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
