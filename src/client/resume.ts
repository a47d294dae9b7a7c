/**
 * `stream.resume` on the client: a committed stream that fails mid-answer is
 * continued by a call of its own (retries, fallback, budget, events), running
 * the same function with the continuation as the context's `request`.
 */
import type { Clock } from '../clock/clock.js';
import type { EventBus } from '../events/events.js';
import { isStreamResult } from '../stream/detect.js';
import { type StreamOptions, resolveResume } from '../stream/options.js';
import { type Continuation, withResume } from '../stream/resume.js';
import type { ResilienceEvents } from './events-map.js';
import type { AttemptContext, AttemptFn, RunOptions } from './types.js';

export interface ResumeDeps {
  readonly clock: Clock;
  readonly bus: EventBus<ResilienceEvents>;
  /** The client's stream options. */
  readonly stream: StreamOptions | undefined;
  readonly models: readonly string[];
  readonly run: <T>(fn: AttemptFn<T>, options: RunOptions) => Promise<T>;
}

/** `value` as the call returns it, continued on a mid-answer failure when the call's `stream.resume` says so. */
export function resumable<T>(value: T, fn: AttemptFn<T>, options: RunOptions | undefined, deps: ResumeDeps): T {
  const given = options?.stream?.resume;
  const resume = resolveResume(given !== undefined ? given : deps.stream?.resume);
  if (!resume || !isStreamResult(value)) return value;
  const { bus, clock } = deps;
  const base = () => ({ timestamp: clock.now(), ...(options?.taskId !== undefined ? { taskId: options.taskId } : {}) });
  return withResume(value, {
    options: resume,
    request: options?.request,
    chain: options?.models ?? deps.models,
    signal: options?.signal,
    async start(request, models, signal): Promise<Continuation> {
      let model: string | undefined;
      let usedRequest = false;
      // The same function, handed the continuation as its `request`; reading it is how we know it was sent.
      const view = (ctx: AttemptContext): AttemptContext => ({
        model: ctx.model,
        attempt: ctx.attempt,
        ...(ctx.taskId !== undefined ? { taskId: ctx.taskId } : {}),
        get signal() {
          return ctx.signal;
        },
        reportHeaders: ctx.reportHeaders,
        track: ctx.track,
        get request() {
          usedRequest = true;
          return request;
        },
      });
      const run = (ctx: AttemptContext) => {
        model = ctx.model;
        return fn(view(ctx));
      };
      // Its own stream options without `resume`: this splice continues it again if allowed.
      const stream = { ...(options?.stream ?? deps.stream), resume: false };
      const value = await deps.run(run, { ...options, request, models, signal, stream, hedge: false });
      return { value, model, usedRequest };
    },
    onResumed(info) {
      if (bus.wants('stream:resumed')) {
        const { usage, ...rest } = info;
        bus.emit('stream:resumed', { ...base(), ...rest, ...(usage ? { usage } : {}) });
      }
    },
    onRefused(info) {
      if (bus.wants('stream:resume-refused')) bus.emit('stream:resume-refused', { ...base(), ...info });
    },
  });
}
