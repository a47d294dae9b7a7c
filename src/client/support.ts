import type { BudgetEmitter } from '../budget/events.js';
import type { BudgetManager } from '../budget/manager.js';
import { type RequestEstimate, estimateRequest } from '../usage/estimate.js';
import { ConfigError } from '../errors/errors.js';
import { validateStreamOptions } from '../stream/options.js';
import type { EventBus } from '../events/events.js';
import type { Monitor } from '../monitor/monitor.js';
import type { ResilienceEvents } from './events-map.js';
import type { RunOptions } from './types.js';

export function reportListenerError(error: unknown, event: string): void {
  const warn = (globalThis as { process?: { emitWarning?: (w: string | Error, o?: object) => void } }).process?.emitWarning;
  warn?.(error instanceof Error ? error : String(error), { type: 'LlmResilienceListenerError', detail: `a listener of "${event}" threw` });
}

/**
 * Per-call options are checked by hand, not with zod: this runs on every call.
 * Same message format as construction-time validation.
 */
export function checkRunOptions(o: RunOptions): void {
  const issues: { path: string; message: string }[] = [];
  if (o.models !== undefined && (!Array.isArray(o.models) || o.models.length === 0 || o.models.some((m) => typeof m !== 'string' || m === ''))) {
    issues.push({ path: 'run.models', message: 'expected a non-empty array of model names' });
  }
  if (o.timeoutMs !== undefined && !(typeof o.timeoutMs === 'number' && o.timeoutMs > 0 && Number.isFinite(o.timeoutMs))) {
    issues.push({ path: 'run.timeoutMs', message: `expected a positive number of milliseconds, received ${String(o.timeoutMs)}` });
  }
  if (o.deadlineMs !== undefined && !(typeof o.deadlineMs === 'number' && o.deadlineMs > 0 && Number.isFinite(o.deadlineMs))) {
    issues.push({ path: 'run.deadlineMs', message: `expected a positive number of milliseconds, received ${String(o.deadlineMs)}` });
  }
  if (o.provider !== undefined && (typeof o.provider !== 'string' || o.provider === '')) issues.push({ path: 'run.provider', message: 'expected a provider name (non-empty string)' });
  if (o.taskId !== undefined && typeof o.taskId !== 'string') issues.push({ path: 'run.taskId', message: 'expected a string' });
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) issues.push({ path: 'run.signal', message: 'expected an AbortSignal' });
  for (const k of ['inputTokens', 'outputTokens'] as const) {
    const v = o.estimate?.[k];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) {
      issues.push({ path: `run.estimate.${k}`, message: `expected a non-negative number of tokens, received ${String(v)}` });
    }
  }
  if (o.hedge !== undefined && typeof o.hedge !== 'boolean') {
    const d = (o.hedge as { delayMs?: unknown } | null)?.delayMs;
    if (typeof o.hedge !== 'object' || o.hedge === null || !(d === undefined || d === 'auto' || (typeof d === 'number' && d >= 0 && Number.isFinite(d)))) {
      issues.push({ path: 'run.hedge', message: "expected true, false or { delayMs: a number of milliseconds or 'auto' }" });
    }
  }
  if (o.usage !== undefined && typeof o.usage !== 'function') issues.push({ path: 'run.usage', message: 'expected a function (value) => Usage | undefined' });
  if (issues.length) throw new ConfigError(issues);
  // Rare and structured: the stream options' own schema, only when given.
  if (o.stream !== undefined) validateStreamOptions(o.stream, 'run.stream');
}

/**
 * The budget's emitter: its events go to the client's listeners and also feed
 * the monitor (token and cost counts, and the budget alert rule), whether or
 * not anyone listens.
 */
export function tee(bus: EventBus<ResilienceEvents>, monitor: Monitor | undefined): BudgetEmitter {
  if (!monitor) return bus;
  return {
    wants: (name) => name === 'budget:usage' || name === 'budget:warning' || name === 'budget:exceeded' || bus.wants(name),
    emit(name, payload) {
      if (name === 'budget:usage') {
        const p = payload as ResilienceEvents['budget:usage'];
        monitor.recordUsage(p.model, p.inputTokens, p.outputTokens, p.costUsd ?? 0);
      } else if (name === 'budget:warning' || name === 'budget:exceeded') {
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
 * an estimate it is the default output cap (4,096) plus 3 tokens.
 */
export function callEstimate(budget: BudgetManager | undefined, o: RunOptions | undefined): RequestEstimate {
  const base = budget ? budget.estimate(o?.request) : estimateRequest(o?.request);
  const e = o?.estimate;
  if (!e) return base;
  return { inputTokens: e.inputTokens ?? base.inputTokens, outputTokens: e.outputTokens ?? base.outputTokens };
}
