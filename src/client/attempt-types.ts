import type { Conditions } from '../fallback/conditions.js';
import type { StreamOptions } from '../stream/options.js';
import type { PumpOptions } from '../stream/pump.js';
import type { Usage } from '../usage/extract.js';
import type { RunOptions } from './types.js';

/*
 * What an attempt is given (attempt.ts and guarded-attempt.ts run it), and how
 * its promise is built without a closure of its own.
 */

/** Per-call state shared by every attempt of one `run`. */
export interface CallState {
  readonly taskId: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  /** Whether `timeoutMs` is the call's own (it then wins over a model's or deployment's). */
  readonly timeoutGiven?: boolean;
  /** The call's token estimate (budget, admission weight, context fit), computed once; undefined when nothing could be estimated. */
  readonly estimate: { readonly inputTokens: number; readonly outputTokens: number } | undefined;
  /** The run options, read only to estimate the call's tokens for admission when there is no budget estimate. */
  readonly run: RunOptions | undefined;
  readonly usage: ((value: unknown) => Usage | undefined) | undefined;
  readonly stream: StreamOptions | undefined;
  /** Where `ctx.reportHeaders` sends headers (undefined: nobody needs them). */
  readonly onHeaders: ((model: string, headers: unknown, taskId: string | undefined) => void) | undefined;
  /** The models this call may try, in order (the next one is preferred over a backoff sleep). */
  readonly chain?: readonly string[];
  /** The call's deadline on the clock (from `deadlineMs`), when it has one: attempts, backoffs and admission waits end by it. */
  readonly deadlineAt?: number | undefined;
  /** For a call with a signal and no `deadlineMs`: its start plus its callers' learned patience (admission only, decision 0049). */
  readonly admitBy?: number | undefined;
  /** Your conditions for this call (the call's own over the client's), when any. */
  readonly conditions?: Conditions | undefined;
}

/** How long one attempt may run, decided by the pipeline (`call`: the call's deadline, not the model's). */
export interface AttemptLimit {
  readonly ms: number;
  readonly scope: 'attempt' | 'call';
}

export type StreamHooks = Pick<PumpOptions, 'onCommit' | 'onEnd' | 'onError'> & { readonly options: StreamOptions | undefined };

/** Where an attempt gets its stream hooks, asked only when the result is a stream (the model try: no thunk per attempt). */
export interface StreamHookSource {
  streamHooks(): StreamHooks;
}

/** What settles an attempt's promise: it takes the promise's resolve and reject. */
export interface Settled<T> {
  settleWith(resolve: (value: T) => void, reject: (error: unknown) => void): void;
}

/** The attempt whose promise is being built: set just before `new Promise`, whose executor runs at once. */
let building: Settled<never> | undefined;

/** One executor for every attempt's promise, rather than a closure (and its context) per attempt. */
function handOver(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  const attempt = building!;
  building = undefined;
  attempt.settleWith(resolve, reject);
}

export function settledBy<T>(attempt: Settled<T>): Promise<T> {
  building = attempt as Settled<never>;
  return new Promise<T>(handOver);
}

