/**
 * The best possible contender: omniscient (it reads each model's buckets and
 * faults from the simulated provider), shared by all workers of a run.
 */
import type { CallRequest, Env } from './contenders.js';
import type { Weight } from './buckets.js';
import { DEPLOYMENT_MODELS, PRIMARY_DEPLOYMENT } from './incidents.js';
import { SimulatedProvider } from './provider.js';

/**
 * How long the oracle lets a task's first call wait before refusing the task (capacity then goes to
 * tasks already under way). The value that serves the most tasks over capacity: swept over the
 * 30-minute replay (seed 1), 5 / 10 / 20 / 30 / 40 / 50 / 60 / 80 s gave 72.2 / 73.4 / 75.7 / 78.1 /
 * 79.5 / 76.2 / 73.4 / 71.4% task success; a shorter wait refuses tasks capacity could have
 * finished, a longer one lets calls run into their 120 s deadline.
 */
const ORACLE_ADMIT_MS = 40_000;

interface OracleWaiter {
  readonly step: number;
  readonly seq: number;
  readonly weight: Weight;
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
export class OracleDispatcher {
  readonly #env: Env;
  readonly #queue: OracleWaiter[] = [];
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDue = Number.POSITIVE_INFINITY;
  readonly #callsPerMs: number;
  /** In the chain's order; with the primary's second deployment (as our contenders are configured) right after it. */
  readonly #models: readonly string[];

  constructor(env: Env) {
    this.#env = env;
    const deployments = env.incident?.deployments === true;
    this.#models = deployments ? [env.models.primary, PRIMARY_DEPLOYMENT, env.models.backup] : [env.models.primary, env.models.backup];
    this.#callsPerMs = [...env.models.specs, ...(deployments ? DEPLOYMENT_MODELS : [])].reduce((n, m) => n + m.rpm, 0) / 60_000;
  }

  #servable(weight: Weight): string | number {
    let wait = Number.POSITIVE_INFINITY;
    for (const model of this.#models) {
      const ms = this.#env.provider.whenServable(model, weight);
      if (ms <= 0) return model;
      wait = Math.min(wait, ms);
    }
    return wait;
  }

  admit(r: CallRequest, signal: AbortSignal): Promise<string> {
    const weight = SimulatedProvider.weigh(r.inputTokens, r.body.max_tokens);
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
