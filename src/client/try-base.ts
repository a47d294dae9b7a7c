import type { ModelBreaker } from '../breaker/breaker.js';
import type { Reservation } from '../budget/manager.js';
import type { Classification } from '../classify/classify.js';
import type { ResolvedRetry } from '../retry/options.js';
import { firstChunkLimitMs } from '../stream/options.js';
import type { Usage } from '../usage/extract.js';
import type { AttemptTarget, CallState } from './attempt.js';
import type { PipelineDeps } from './deps.js';
import { TryAdmit } from './admit-view.js';
import { type TryState, classifyOnce, laterOf } from './try-parts.js';
import { type TryJudge, settleTry } from './try-success.js';
import type { AttemptFn } from './types.js';

/** A deployment of the model being tried: where its attempts go, where a full one spills, and whether another can take over now. */
export interface DeploymentTarget extends AttemptTarget {
  readonly spillTo?: readonly string[] | undefined;
  failover?(): boolean;
}

/**
 * What a model try holds, as it is built for one model of a call: the model
 * and where its attempts go, the call as this model sees it (its own timeout),
 * the later models it may spill to, admission's view, the breaker, the
 * first-chunk limit; then what its steps leave for the success and failure
 * sides (the retry options, the reservation, the last failure's
 * classification). model-try.ts runs the try (its `ModelTry` extends this).
 */
export class TryBase<T> implements TryState {
  readonly deps: PipelineDeps;
  readonly fn: AttemptFn<T>;
  /** The chain's model: budget, events and usage are its. */
  readonly model: string;
  /** Breaker, admission, health, retry budget and headers are the deployment's (or the model's). */
  readonly key: string;
  readonly target: DeploymentTarget | undefined;
  readonly dep: { readonly deployment: string } | undefined;
  /** Without a task id or a deployment, payloads are built without them, so the bus has no undefined field to strip. */
  readonly plain: boolean;
  readonly call: CallState;
  /** Models after this one in the chain being run: where a call spills when this one has no capacity. */
  readonly later: readonly string[] | undefined;
  readonly admit: TryAdmit | undefined;
  readonly breaker: ModelBreaker | undefined;
  readonly firstChunkMs: number | undefined;
  retry: ResolvedRetry | undefined;
  reservation: Reservation | undefined;
  /** Answers your `conditions.result` rejected were still paid for: their usage is settled with the call's. */
  rejectedUsage: Usage | undefined;
  /** The clock's time when the last attempt ended well: the success path's settle reads no clock of its own. */
  endedAt: number | undefined;
  // TryState: the last failure's classification, computed once.
  error: unknown;
  cls: Classification | undefined;
  streamed = false;
  /** What the call makes of the try's outcome, when it gives one (its first model): the try's promise settles with that. */
  judge: TryJudge<T> | undefined;

  constructor(deps: PipelineDeps, fn: AttemptFn<T>, model: string, given: CallState, index: number, chain: readonly string[], target: DeploymentTarget | undefined) {
    this.deps = deps;
    this.fn = fn;
    this.model = model;
    const key = (this.key = target?.key ?? model);
    this.target = target;
    this.dep = target ? { deployment: target.key } : undefined;
    this.plain = !target && given.taskId === undefined;
    // A model's or deployment's own timeout, unless the call gave one.
    const ownMs = given.timeoutGiven ? undefined : deps.timeoutFor?.(key);
    const call = (this.call = ownMs !== undefined && ownMs !== given.timeoutMs ? { ...given, timeoutMs: ownMs } : given);
    this.later = target?.spillTo ?? laterOf(chain, index);
    this.admit = deps.limiter.enabled ? new TryAdmit(this) : undefined;
    this.breaker = deps.breakerFor(key);
    this.firstChunkMs = firstChunkLimitMs(call.stream ?? deps.stream, call.run?.request);
  }

  // Read on a stop check or a failure: getters, not fields (fewer fields to fill for every try).
  get signal(): AbortSignal | undefined {
    return this.call.signal;
  }

  get disposeSignal(): AbortSignal {
    return this.deps.disposeSignal;
  }

  #neutral: ((error: unknown) => Classification) | undefined;
  /** Whether a failure counts against the model (the breaker's reading of it); bound on first need (a success on a closed breaker has none). */
  get neutral(): (error: unknown) => Classification {
    return (this.#neutral ??= (error: unknown) => classifyOnce(this, error, this.deps.clock.now()));
  }

  settle(final: Usage | undefined, now?: number): Promise<void> | undefined {
    return settleTry(this, final, now);
  }
}
