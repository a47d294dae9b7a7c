/**
 * Run options for a wrapped SDK call: from the adapter's `runOptions` hook, and
 * per call from the SDK's own request-options argument, under a symbol the
 * SDKs never read (built by {@link withRunOptions}).
 */
import type { RunOptions } from '../client/types.js';
import type { Conditions } from '../fallback/conditions.js';
import { ConfigError } from '../errors/errors.js';
import { redact } from '../errors/redact.js';
import { unknownOptionMessage, unreadable } from '../options/validate.js';
import type { StreamOptions } from '../stream/options.js';

/**
 * The run options a wrapped call may carry. Every field accepts `undefined`
 * (meaning "not set"), so `() => ({ taskId: store.getStore() })` compiles under
 * `exactOptionalPropertyTypes`.
 */
export interface CallRunOptions {
  /** Groups the call under an agent task: on every event, and the key of per-task budgets. */
  readonly taskId?: string | undefined;
  /** Overrides parts of the budget's estimate of this call. */
  readonly estimate?: { readonly inputTokens?: number | undefined; readonly outputTokens?: number | undefined } | undefined;
  /** Per-attempt timeout for this call, in ms. */
  readonly timeoutMs?: number | undefined;
  /**
   * The whole call's deadline, in ms from its start, across every retry and
   * fallback (see `deadlineMs` of `client.run`). The SDK's own `timeout` is not
   * read as one: it bounds each HTTP attempt, not the call.
   */
  readonly deadlineMs?: number | undefined;
  /** Stream timeouts for this call. */
  readonly stream?: StreamOptions | undefined;
  /** Your conditions for this call (they replace the client's field by field). */
  readonly conditions?: Conditions | undefined;
}

// Symbol.for: the same key whichever copy of the library built the options.
const RUN_OPTIONS = Symbol.for('llm-resilience.runOptions');

/**
 * Request options for a wrapped SDK call that also carry run options for this
 * one call. The run options sit under a symbol key: the wrapper reads and
 * removes them, and an unwrapped SDK never looks at them. Returns a copy of
 * `requestOptions` with the SDK's own type, so the call type-checks unchanged.
 *
 * @throws ConfigError for a key a wrapped call does not read (`taskid`, `models`,
 * `signal`…), naming the closest known key. A `runOptions` hook's result
 * and the AI SDK's `providerOptions['llm-resilience']` are checked the same
 * way when the call starts.
 *
 * @example
 * await openai.chat.completions.create({ model, messages }, withRunOptions({ taskId: 'ticket-42' }, { signal }));
 */
export function withRunOptions<O extends object = Record<never, never>>(run: CallRunOptions, requestOptions?: O): O {
  checkCallRunOptions(run);
  return Object.assign({ ...requestOptions }, { [RUN_OPTIONS]: run }) as O;
}

const ESTIMATE_KEYS = ['inputTokens', 'outputTokens'] as const;

/**
 * Refuses keys a wrapped call does not read. A misspelt `taskid` dropped in
 * silence would bypass the per-task budget, so every unknown key is a
 * `ConfigError`, with the closest known name when there is one. Values are
 * checked where every call's are, when the call runs.
 */
function checkCallRunOptions(source: unknown): void {
  if (source === undefined || source === null) return;
  if (typeof source !== 'object') throw new ConfigError([{ path: 'run', message: `expected an object of run options, received ${typeof source}` }]);
  const issues: { path: string; message: string }[] = [];
  const unknown = (path: string, key: string, known: readonly string[], why?: string) => {
    // Key names are echoed redacted (a credential pasted as a key is still a credential); values never.
    issues.push({ path: redact(`${path}.${key}`), message: unknownOptionMessage(key, known, why) });
  };
  try {
    for (const key of Object.keys(source)) {
      if ((KEYS as readonly string[]).includes(key)) continue;
      unknown('run', key, KEYS, WRAPPER_OWNED.has(key) ? `a wrapped call reads only ${KEYS.join(', ')}; the request and the wrapper set the rest` : undefined);
    }
    const estimate = (source as { estimate?: unknown }).estimate;
    if (estimate !== null && typeof estimate === 'object') {
      for (const key of Object.keys(estimate)) if (!(ESTIMATE_KEYS as readonly string[]).includes(key)) unknown('run.estimate', key, ESTIMATE_KEYS);
    }
  } catch {
    throw unreadable(source, 'run');
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/** Splits request options into the SDK's part (symbol removed) and the call's run options. */
export function takeRunOptions<O extends object>(requestOptions: O | undefined): { request: O | undefined; run: CallRunOptions | undefined } {
  if (requestOptions === undefined || requestOptions === null || !Object.hasOwn(requestOptions, RUN_OPTIONS)) return { request: requestOptions, run: undefined };
  const { [RUN_OPTIONS]: run, ...rest } = requestOptions as O & { [RUN_OPTIONS]?: CallRunOptions };
  return { request: rest as O, run };
}

/** The hook's options overlaid with the call's, keys set to `undefined` dropped (so they keep the client's defaults). */
export function mergeRunOptions(...sources: (CallRunOptions | undefined)[]): Pick<RunOptions, 'taskId' | 'estimate' | 'timeoutMs' | 'deadlineMs' | 'stream' | 'conditions'> {
  const out: Record<string, unknown> = {};
  for (const source of sources) {
    // The hook's result and the AI SDK's provider options reach here unchecked.
    checkCallRunOptions(source);
    if (source === null || typeof source !== 'object') continue;
    for (const k of KEYS) {
      const v = source[k];
      if (v === undefined) continue;
      out[k] = k === 'estimate' && v !== null && typeof v === 'object' ? { ...(out.estimate as object | undefined), ...definedOnly(v) } : v;
    }
  }
  return out;
}

// Only these: the chain, the signal and the provider belong to the wrapper.
const KEYS = ['taskId', 'estimate', 'timeoutMs', 'stream', 'conditions', 'deadlineMs'] as const;
// Options of `client.run` that a wrapped call takes from its request and its wrapper instead.
const WRAPPER_OWNED = new Set(['models', 'provider', 'signal', 'request', 'usage', 'hedge']);

const definedOnly = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
