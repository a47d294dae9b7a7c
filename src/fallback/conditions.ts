import * as z from '../options/zod.js';
import type { Classification, FailureKind } from '../classify/classify.js';
import { ResultRejectedError } from '../errors/errors.js';
import { fn, schemaOnFirstUse } from '../options/schema-helpers.js';
import { isStreamResult } from '../stream/detect.js';

/**
 * What your result condition says of an answer: keep it (`'accept'`, or
 * `undefined`), try the same model again (`'retry'`), or go to the next model
 * (`'fallback'`). A verdict may carry a reason, which events and the final
 * error repeat.
 */
export type ResultVerdict = 'accept' | 'retry' | 'fallback' | { readonly verdict: 'accept' | 'retry' | 'fallback'; readonly reason?: string } | undefined;

/**
 * What your error condition says of a failure the built-in classification has
 * already read: `'retry'` (same model again, then the next), `'fallback'`
 * (straight to the next model), `'fail'` (end the call with this error), or
 * `undefined` to keep the built-in decision.
 */
export type ErrorVerdict = 'retry' | 'fallback' | 'fail' | undefined;

/** What a condition is told about the attempt it judges. */
export interface ConditionContext {
  readonly model: string;
  /** 1 for the first attempt on this model. */
  readonly attempt: number;
}

/**
 * Conditions of your own: retry or fall back on what only you can judge (an
 * empty answer, JSON that does not parse, a schema that does not validate, a
 * refusal phrased as text, a call to a tool you do not have).
 * Set once on the client and/or per call (`run(fn, { conditions })`); the
 * call's own conditions replace the client's, field by field.
 * @example
 * { result: (r) => (r.choices[0]?.message.content ? 'accept' : 'retry') }
 */
export interface Conditions<T = unknown> {
  /**
   * Judges each successful, non-streamed answer before it is returned. A
   * rejected answer is retried on the same model (counting toward
   * `retry.maxRetries`, with no backoff: the model answered) or the chain moves
   * on. A streamed answer is never judged: its content has reached your code
   * by the time it could be.
   */
  readonly result?: ((value: T, context: ConditionContext) => ResultVerdict) | undefined;
  /**
   * Judges each failure after the built-in classification; return undefined to
   * keep it. Never asked about your own abort, `dispose()`, or the library's
   * own refusals (open breaker, budget, full queue, deadline).
   */
  readonly error?: ((error: unknown, context: ConditionContext & { readonly kind: FailureKind }) => ErrorVerdict) | undefined;
  /**
   * Whether an answer your `result` condition rejects counts against the
   * model's circuit breaker and health, like a provider failure.
   * @default false
   */
  readonly countAgainstModel?: boolean | undefined;
}

export const conditionsSchema = schemaOnFirstUse(() =>
  z.strictObject(
    {
      result: z.optional(fn<NonNullable<Conditions['result']>>('a function (result, context) => verdict')),
      error: z.optional(fn<NonNullable<Conditions['error']>>('a function (error, context) => verdict')),
      countAgainstModel: z.optional(z.boolean({ error: 'expected true or false' })),
    },
    { error: 'expected conditions { result?, error?, countAgainstModel? }' },
  ),
);

/** The conditions in force for one call: the call's own over the client's, field by field. */
export function mergeConditions(client: Conditions | undefined, call: Conditions | undefined): Conditions | undefined {
  if (!call) return client;
  if (!client) return call;
  return { ...client, ...Object.fromEntries(Object.entries(call).filter(([, v]) => v !== undefined)) };
}

const VERDICTS = new Set(['accept', 'retry', 'fallback']);

/**
 * Applies `conditions.result` to an attempt's value: returns the value, or
 * throws a {@link ResultRejectedError} the pipeline classifies like any
 * failure. `onRejected` sees the rejected value first (so its real usage is
 * settled). A verdict that is not one of the documented ones is a bug in the
 * condition, reported as a TypeError that ends the call.
 */
export function judgeResult<T>(conditions: Conditions, value: T, context: ConditionContext, onRejected: (value: T) => void): T {
  const judge = conditions.result;
  if (!judge || isStreamResult(value)) return value;
  const said = judge(value, context);
  const verdict = typeof said === 'object' && said !== null ? said.verdict : (said ?? 'accept');
  if (!VERDICTS.has(verdict)) throw new TypeError(`conditions.result returned ${JSON.stringify(String(verdict))}; expected 'accept', 'retry', 'fallback' or undefined`);
  if (verdict === 'accept') return value;
  onRejected(value);
  const reason = typeof said === 'object' && said !== null && typeof said.reason === 'string' ? said.reason : undefined;
  throw new ResultRejectedError(context.model, verdict as 'retry' | 'fallback', reason, conditions.countAgainstModel === true);
}

/** Kinds the error condition is never asked about: the caller's own stop and the library's own refusals. */
const NOT_ASKED = new Set<FailureKind>(['abort', 'circuit_open', 'budget', 'queue_full', 'deadline', 'rejected']);

/** Applies `conditions.error` to a classification; the classification as it was when the condition has nothing to say. */
export function judgeError(conditions: Conditions | undefined, error: unknown, cls: Classification, context: ConditionContext): Classification {
  const judge = conditions?.error;
  if (!judge || NOT_ASKED.has(cls.kind)) return cls;
  const verdict = judge(error, { ...context, kind: cls.kind });
  if (verdict === undefined) return cls;
  if (verdict === 'retry') return Object.freeze({ ...cls, retryable: true, fallback: true });
  if (verdict === 'fallback') return Object.freeze({ ...cls, retryable: false, fallback: true });
  if (verdict === 'fail') return Object.freeze({ ...cls, retryable: false, fallback: false });
  throw new TypeError(`conditions.error returned ${JSON.stringify(String(verdict))}; expected 'retry', 'fallback', 'fail' or undefined`);
}
