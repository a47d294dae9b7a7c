import { type BudgetEmitter, usagePayload } from '../budget/events.js';
import type { BudgetManager } from '../budget/manager.js';
import { type RequestEstimate, estimateRequest } from '../usage/estimate.js';
import { ConfigError } from '../errors/errors.js';
import { redact } from '../errors/redact.js';
import { MAX_TIMER_MS } from '../options/schema-helpers.js';
import { describeValue, unknownOptionMessage, unreadable } from '../options/validate.js';
import { validateStreamOptions } from '../stream/options.js';
import type { EventBus } from '../events/events.js';
import type { Monitor } from '../monitor/monitor.js';
import type { ResilienceEvents } from './events-map.js';
import type { RunOptions } from './types.js';
import type { CallState } from './attempt.js';
import type { FitState } from '../fallback/content.js';
import { type Usage, checkUsage } from '../usage/extract.js';

export function reportListenerError(error: unknown, event: string): void {
  const warn = (globalThis as { process?: { emitWarning?: (w: string | Error, o?: object) => void } }).process?.emitWarning;
  warn?.(error instanceof Error ? error : String(error), { type: 'LlmResilienceListenerError', detail: `a listener of "${event}" threw` });
}

// Every key `run` reads; typed so a new RunOptions key cannot be forgotten here.
const RUN_KEYS = Object.freeze({
  models: true,
  provider: true,
  deadlineMs: true,
  taskId: true,
  signal: true,
  timeoutMs: true,
  request: true,
  estimate: true,
  usage: true,
  stream: true,
  hedge: true,
  conditions: true,
} satisfies Record<keyof RunOptions, true>);
const KNOWN_RUN_KEYS = Object.keys(RUN_KEYS);

/**
 * Per-call options are checked by hand, not with zod: this runs on every call.
 * Same message format and the same redaction as construction-time validation;
 * an unknown key (a typo such as `timeout` for `timeoutMs`) is an error, since
 * ignoring it would silently drop what the caller asked for. Returns a frozen
 * copy read once, so a getter cannot answer differently later in the call.
 */
export function checkRunOptions<T>(input: RunOptions<T>): RunOptions<T> {
  if (typeof input !== 'object' || input === null) {
    throw new ConfigError([{ path: 'run', message: `expected an object of run options, received ${describeValue(input)}` }]);
  }
  let o: RunOptions<T>;
  try {
    o = { ...input };
  } catch {
    throw unreadable(input, 'run');
  }
  const issues: { path: string; message: string }[] = [];
  const bad = (path: string, expected: string, value: unknown) => issues.push({ path: `run.${path}`, message: `${expected}, received ${describeValue(value)}` });
  for (const key of Object.keys(o)) {
    if (Object.hasOwn(RUN_KEYS, key)) continue;
    // Key names are echoed redacted (a credential pasted as a key is still a credential); values never.
    issues.push({ path: redact(`run.${key}`), message: unknownOptionMessage(key, KNOWN_RUN_KEYS) });
  }
  if (o.models !== undefined && (!Array.isArray(o.models) || o.models.length === 0 || o.models.some((m) => typeof m !== 'string' || m === ''))) {
    bad('models', 'expected a non-empty array of model names', o.models);
  }
  if (o.timeoutMs !== undefined && !(typeof o.timeoutMs === 'number' && o.timeoutMs > 0 && Number.isFinite(o.timeoutMs))) {
    bad('timeoutMs', 'expected a positive number of milliseconds', o.timeoutMs);
  } else if (o.timeoutMs !== undefined && o.timeoutMs > MAX_TIMER_MS) {
    bad('timeoutMs', `expected at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer Node can run)`, o.timeoutMs);
  }
  if (o.deadlineMs !== undefined && !(typeof o.deadlineMs === 'number' && o.deadlineMs > 0 && Number.isFinite(o.deadlineMs))) {
    bad('deadlineMs', 'expected a positive number of milliseconds', o.deadlineMs);
  }
  if (o.provider !== undefined && (typeof o.provider !== 'string' || o.provider === '')) bad('provider', 'expected a provider name (non-empty string)', o.provider);
  if (o.taskId !== undefined && typeof o.taskId !== 'string') bad('taskId', 'expected a string', o.taskId);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) bad('signal', 'expected an AbortSignal', o.signal);
  if (o.estimate !== undefined) {
    let estimate: RunOptions<T>['estimate'];
    try {
      estimate = typeof o.estimate === 'object' && o.estimate !== null ? { ...o.estimate } : o.estimate;
    } catch {
      throw unreadable(o.estimate, 'run.estimate');
    }
    if (typeof estimate !== 'object' || estimate === null) bad('estimate', 'expected { inputTokens?, outputTokens? }', estimate);
    else {
      for (const k of ['inputTokens', 'outputTokens'] as const) {
        const v = estimate[k];
        if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) bad(`estimate.${k}`, 'expected a non-negative number of tokens', v);
      }
      o = { ...o, estimate: Object.freeze(estimate) };
    }
  }
  if (o.hedge !== undefined && typeof o.hedge !== 'boolean') {
    const d = (o.hedge as { delayMs?: unknown } | null)?.delayMs;
    if (typeof o.hedge !== 'object' || o.hedge === null || !(d === undefined || d === 'auto' || (typeof d === 'number' && d >= 0 && Number.isFinite(d)))) {
      bad('hedge', "expected true, false or { delayMs: a number of milliseconds or 'auto' }", o.hedge);
    } else {
      // A typo (`delay` for `delayMs`) would otherwise hedge this call with the client's delay, silently.
      for (const key of Object.keys(o.hedge)) {
        if (key !== 'delayMs') issues.push({ path: redact(`run.hedge.${key}`), message: unknownOptionMessage(key, ['delayMs']) });
      }
    }
  }
  if (o.usage !== undefined && typeof o.usage !== 'function') bad('usage', 'expected a function (value) => Usage | undefined', o.usage);
  if (o.conditions !== undefined) checkConditions(o.conditions, bad, (path) => issues.push({ path: redact(`run.${path}`), message: 'unknown option' }));
  if (issues.length) throw new ConfigError(issues);
  // Rare and structured: the stream options' own schema, only when given.
  if (o.stream !== undefined) o = { ...o, stream: validateStreamOptions(o.stream, 'run.stream') };
  return Object.freeze(o);
}

/** `run`'s `conditions`, checked by hand like the rest of the run options (same messages as the client option's schema). */
function checkConditions(c: unknown, bad: (path: string, expected: string, value: unknown) => void, unknown: (path: string) => void): void {
  if (typeof c !== 'object' || c === null) {
    bad('conditions', 'expected conditions { result?, error?, countAgainstModel? }', c);
    return;
  }
  const given = c as Record<string, unknown>;
  for (const key of Object.keys(given)) if (key !== 'result' && key !== 'error' && key !== 'countAgainstModel') unknown(`conditions.${key}`);
  if (given.result !== undefined && typeof given.result !== 'function') bad('conditions.result', 'expected a function (result, context) => verdict', given.result);
  if (given.error !== undefined && typeof given.error !== 'function') bad('conditions.error', 'expected a function (error, context) => verdict', given.error);
  if (given.countAgainstModel !== undefined && typeof given.countAgainstModel !== 'boolean') bad('conditions.countAgainstModel', 'expected true or false', given.countAgainstModel);
}

/**
 * The caller's usage reader, held to the same rules as the built-in extraction:
 * bad counts (a string, a negative, NaN) or a throw come back as invalid usage,
 * so the budget settles the estimate and emits `budget:usage-warning`.
 */
export function checkedUsage(read: (value: unknown) => Usage | undefined): (value: unknown) => Usage | undefined {
  return (value) => {
    try {
      return checkUsage(read(value));
    } catch {
      return checkUsage({ inputTokens: 0, outputTokens: 0, invalid: 'usage (the function threw)' });
    }
  };
}

/**
 * The budget's emitter: its events go to the client's listeners and also feed
 * the monitor (token and cost counts, and the budget alert rule), whether or
 * not anyone listens.
 */
export function tee(bus: EventBus<ResilienceEvents>, monitor: Monitor | undefined): BudgetEmitter {
  if (!monitor) return bus;
  const usage = bus.topic('budget:usage');
  return {
    wants: (name) => name === 'budget:warning' || name === 'budget:exceeded' || bus.wants(name),
    // Every settled call: the monitor takes the figures, and the payload is built only for listeners.
    usage(now, model, taskId, actual, costUsd, estimated) {
      monitor.recordUsage(model, actual.inputTokens, actual.outputTokens, costUsd ?? 0, now);
      if (bus.wantsTopic(usage)) bus.emit('budget:usage', usagePayload(now, model, taskId, actual, costUsd, estimated));
    },
    // `budget:usage` comes through `usage` above, never here.
    emit(name, payload) {
      if (name === 'budget:warning' || name === 'budget:exceeded') {
        // The real share committed (settled + reserved); a call refused for lack
        // of room is reported as a refusal, not as "100% used".
        const p = payload as ResilienceEvents['budget:exceeded'];
        const committed = name === 'budget:exceeded' ? p.used + p.reserved : p.used;
        const refused = name === 'budget:exceeded' && p.action !== 'warn-only' ? p.model : undefined;
        monitor.recordBudget(p.key, p.limit > 0 ? committed / p.limit : 1, refused);
      }
      if (bus.wants(name)) bus.emit(name, payload as never);
    },
  } as BudgetEmitter;
}

/**
 * A call's token estimate: the budget's estimator (or the default one) on
 * `request`, with the caller's `estimate` overrides. With neither a request nor
 * an estimate it is the default output cap (4,096) plus 3 tokens (admission
 * then prefers the model's learned usage: see `UsageWeights`).
 */
export function callEstimate(budget: BudgetManager | undefined, o: RunOptions | undefined): RequestEstimate {
  const base = budget ? budget.estimate(o?.request) : estimateRequest(o?.request);
  const e = o?.estimate;
  if (!e) return base;
  return { inputTokens: e.inputTokens ?? base.inputTokens, outputTokens: e.outputTokens ?? base.outputTokens };
}

/** What the content rules know of a call: its estimated size, when a request or estimate was given. */
export function fitStateOf(options: RunOptions | undefined, estimate: CallState['estimate']): FitState {
  const known = options?.request !== undefined || options?.estimate !== undefined;
  const est = known ? estimate : undefined;
  return { inputTokens: est?.inputTokens, outputTokens: est?.outputTokens, refusedWindow: undefined, refused: undefined, filtered: undefined };
}
