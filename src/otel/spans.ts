import type { OtelSpan as Span, OtelTracer as Tracer } from './api.js';
import { type FailureKind, KIND_TRAITS } from '../classify/classify.js';
import type { ObservableClient } from '../sse/observable.js';

// Numeric values of the API's `SpanKind.CLIENT` and `SpanStatusCode` enums:
// spelled out so that this module imports nothing of @opentelemetry/api at run time.
const SPAN_KIND_CLIENT = 2;
const STATUS_OK = 1;
const STATUS_ERROR = 2;
/** Runs that never finish (a listener added mid-run, a lost event) must not grow without bound. */
const MAX_OPEN_SPANS = 1_000;

type Payload = Record<string, unknown>;

/**
 * One span per `run`, with attempts, retries, failures, fallbacks and breaker
 * transitions as span events. Events carry no run id, so runs are told apart by
 * `taskId`: runs without one get no span, and concurrent runs sharing a `taskId`
 * share one span. Span times come from the event timestamps (the client's clock).
 */
export function instrumentSpans(client: ObservableClient, tracer: Tracer, operationName: string): () => void {
  const open = new Map<string, Span>();

  const spanFor = (p: Payload): Span | undefined => {
    const taskId = p.taskId;
    if (typeof taskId !== 'string') return undefined;
    let span = open.get(taskId);
    if (!span) {
      if (open.size >= MAX_OPEN_SPANS) end(open.keys().next().value!, STATUS_ERROR, 'abandoned', Number(p.timestamp));
      span = tracer.startSpan(`llm_resilience.run`, {
        kind: SPAN_KIND_CLIENT as never,
        startTime: Number(p.timestamp),
        attributes: {
          'gen_ai.operation.name': operationName,
          ...(typeof p.model === 'string' ? { 'gen_ai.request.model': p.model } : {}),
          'llm_resilience.task_id': taskId,
        },
      });
      open.set(taskId, span);
    }
    return span;
  };

  const end = (taskId: string, code: number, message: string | undefined, at: number) => {
    const span = open.get(taskId);
    if (!span) return;
    open.delete(taskId);
    span.setStatus({ code: code as never, ...(message ? { message } : {}) });
    span.end(Number.isFinite(at) ? at : undefined);
  };

  /** Span event attributes: the payload's scalar fields, minus the ones the span already carries. */
  const eventAttrs = (p: Payload) => {
    const out: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(p)) {
      if (k === 'timestamp' || k === 'taskId') continue;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[`llm_resilience.${k}`] = v;
    }
    return out;
  };

  const record = (name: string) => (p: Payload) => {
    const span = spanFor(p);
    span?.addEvent(name, eventAttrs(p), Number(p.timestamp));
  };

  const unsubs = [
    client.on('attempt', record('attempt')),
    client.on('retry', record('retry')),
    client.on('fallback', record('fallback')),
    client.on('breaker:open', record('breaker:open')),
    client.on('failure', (p: Payload) => {
      record('failure')(p);
      const traits = KIND_TRAITS[p.kind as FailureKind];
      // A failure that is neither retried nor worth another model ends the run (a 400, the caller's abort).
      if (traits && !traits.fallback && !p.retryable && typeof p.taskId === 'string') {
        end(p.taskId, STATUS_ERROR, String(p.kind), Number(p.timestamp));
      }
    }),
    client.on('success', (p: Payload) => {
      const span = spanFor(p);
      if (!span || typeof p.taskId !== 'string') return;
      span.addEvent('success', eventAttrs(p), Number(p.timestamp));
      if (typeof p.model === 'string') span.setAttribute('gen_ai.response.model', p.model);
      end(p.taskId, STATUS_OK, undefined, Number(p.timestamp));
    }),
    client.on('exhausted', (p: Payload) => {
      if (typeof p.taskId === 'string') end(p.taskId, STATUS_ERROR, 'all models failed', Number(p.timestamp));
    }),
  ];

  return () => {
    for (const u of unsubs.splice(0)) u();
    for (const [taskId, span] of open) {
      span.setStatus({ code: STATUS_ERROR as never, message: 'instrumentation disposed' });
      span.end();
      open.delete(taskId);
    }
  };
}
