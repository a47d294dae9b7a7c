/**
 * A simulated provider endpoint (OpenAI chat completions or Anthropic
 * messages, by the incident's wire format), reached through the real SDK's
 * `fetch` option. Per model: token buckets per limited dimension (minute-long,
 * or also over short windows), the format's rate-limit headers on every
 * response and its retry headers on 429s (wire.ts), and the faults of the
 * incident being replayed. Every request is logged for the metrics.
 */
import { createPrng } from '../lib/prng.js';
import { ModelLimits, type Weight } from './buckets.js';
import { DEPLOYMENT_MODELS, type FaultKind, type Incident, type ModelSpec, faultSpan, isHardDown, modelsOf } from './incidents.js';
import type { SimTime } from './sim-time.js';
import { WIRES, type Wire } from './wire.js';
import { gaussian, type CallSpec } from './workload.js';

export type RequestOutcome = 'ok' | 'rate_limited' | 'insufficient_quota' | 'billing' | 'server_error' | 'overloaded' | 'connection_reset' | 'aborted';

export interface RequestRecord {
  readonly at: number;
  readonly model: string;
  readonly callId: number;
  outcome: RequestOutcome;
  /** Tokens billed (prompt + completion) for a completed 200. */
  billed: number;
  /** When the response (or the reset) reached the client, ms since start. */
  endedAt: number;
}

/** The header naming the logical call a request belongs to (set by every contender). */
export const CALL_HEADER = 'x-bench-call';
/** Set by the oracle after `reserve`: the capacity is already taken. */
export const RESERVED_HEADER = 'x-bench-reserved';

interface ActiveFault {
  readonly kind: FaultKind;
  readonly from: number;
  readonly to: number;
  readonly value: number;
}

const json = (status: number, body: unknown, headers: Record<string, string>) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const abortError = (signal: AbortSignal) => (signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError'));

export class SimulatedProvider {
  readonly log: RequestRecord[] = [];
  private readonly limits = new Map<string, ModelLimits>();
  private readonly specs = new Map<string, ModelSpec>();
  private readonly faults = new Map<string, ActiveFault[]>();
  private readonly attempts = new Map<number, number>();
  private readonly random: () => number;
  private readonly wire: Wire;
  private seq = 0;

  constructor(
    private readonly sim: SimTime,
    incident: Incident,
    minutes: number,
    seed: number,
    private readonly calls: ReadonlyMap<number, CallSpec>,
  ) {
    this.random = createPrng(seed);
    this.wire = WIRES[incident.format ?? 'openai'];
    const set = modelsOf(incident);
    for (const m of incident.deployments ? [...set.specs, ...DEPLOYMENT_MODELS] : set.specs) {
      this.specs.set(m.name, m);
      this.limits.set(m.name, new ModelLimits(this.wire.limitsOf(m), incident.windowMs, sim.now()));
      this.faults.set(m.name, []);
    }
    for (const f of incident.faults) {
      const { from, to } = faultSpan(f, minutes);
      this.faults.get(set[f.model])!.push({ kind: f.kind, from, to, value: f.value ?? 1 });
    }
  }

  private activeFault(model: string, t = this.sim.elapsed()): ActiveFault | undefined {
    return this.faults.get(model)?.find((f) => t >= f.from && t < f.to);
  }

  /** True while `model` serves nothing at all (an outage, exhausted quota). */
  isDown(model: string, t: number): boolean {
    const f = this.activeFault(model, t);
    return f !== undefined && isHardDown(f.kind);
  }

  /** The windows (ms since start) during which `model` is faulty in any way. */
  faultWindows(model: string): readonly { from: number; to: number; kind: FaultKind }[] {
    return this.faults.get(model) ?? [];
  }

  /** What a request weighs for the limits: its prompt tokens and its `max_tokens`. */
  static weigh(inputTokens: number, maxTokens: number): Weight {
    return { input: inputTokens, output: maxTokens };
  }

  // ---- oracle support: the provider's ground truth ------------------------

  /** Ms until `model` would serve a request of `weight` tokens normally (Infinity while a fault lasts to the end). */
  whenServable(model: string, weight: Weight): number {
    const now = this.sim.elapsed();
    const f = this.activeFault(model, now);
    if (f) return f.to - now;
    return this.limits.get(model)!.waitFor(weight, this.sim.now()).ms;
  }

  /** The latency a call's first admitted request would have on `model` (no fault): what the provider will draw for it. */
  firstLatency(model: string, callId: number): number {
    const spec = this.specs.get(model)!;
    const call = this.calls.get(callId);
    return Math.round(spec.medianMs * Math.exp(spec.sigma * (call?.latencyZ ?? 0)));
  }

  /** Takes the capacity now, for a request that will carry {@link RESERVED_HEADER}. */
  reserve(model: string, weight: Weight): void {
    this.limits.get(model)!.take(weight, this.sim.now());
  }

  // ---- the endpoint --------------------------------------------------------

  /** The `fetch` handed to `new OpenAI({ fetch })` or `new Anthropic({ fetch })`. */
  readonly fetch = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const signal = init?.signal ?? undefined;
    const headers = new Headers(init?.headers);
    const body = JSON.parse(String(init?.body ?? '{}')) as { model?: string; max_tokens?: number; messages?: { content?: unknown }[] };
    const model = String(body.model);
    const callId = Number(headers.get(CALL_HEADER) ?? -1);
    const spec = this.specs.get(model);
    const now = this.sim.now();
    const id = `req_${++this.seq}`;
    const record: RequestRecord = { at: this.sim.elapsed(), model, callId, outcome: 'ok', billed: 0, endedAt: 0 };
    this.log.push(record);
    if (signal?.aborted) {
      record.outcome = 'aborted';
      record.endedAt = record.at;
      throw abortError(signal);
    }
    const wire = this.wire;
    const end = async <T>(ms: number, outcome: RequestOutcome, result: () => T): Promise<T> => {
      record.outcome = outcome;
      await this.wait(ms, signal, record);
      record.endedAt = this.sim.elapsed();
      return result();
    };
    const answer = (status: number, payload: unknown, extra: Record<string, string>) => json(status, payload, extra);
    const small = () => Math.round(50 + 100 * this.random());
    if (!spec) {
      const a = wire.notFound(model, id);
      return end(50, 'server_error', () => answer(a.status, a.body, wire.format === 'anthropic' ? { 'request-id': id } : {}));
    }

    const limits = this.limits.get(model)!;
    const fault = this.activeFault(model);
    const messages = body.messages ?? [];
    const inputTokens = messages.reduce((n, m) => n + Math.ceil(String(m.content ?? '').length / 4) + 4, 3);
    const maxTokens = body.max_tokens ?? 4_096;
    const weight = SimulatedProvider.weigh(inputTokens, maxTokens);
    const faultAnswer = (a: { status: number; body: unknown }) => () => answer(a.status, a.body, wire.headers(limits, now, id));

    if (fault?.kind === 'outage') {
      if (this.random() < 0.4) {
        return end(small(), 'connection_reset', () => {
          throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
        });
      }
      return end(200 + Math.round(1_300 * this.random()), 'server_error', faultAnswer(wire.serverError(id)));
    }
    if (fault?.kind === 'quota') return end(small(), 'insufficient_quota', faultAnswer(wire.quota(id)));
    if (fault?.kind === 'billing') return end(small(), 'billing', faultAnswer(wire.billing(id)));
    if (fault?.kind === 'overload' && this.random() < fault.value) {
      return end(100 + Math.round(400 * this.random()), 'overloaded', faultAnswer(wire.overloaded(id)));
    }

    if (headers.get(RESERVED_HEADER) !== '1') {
      const { ms, dimension } = limits.waitFor(weight, now);
      if (ms > 0) {
        const a = wire.rateLimited(model, limits, dimension, ms, weight, now, id);
        return end(small(), 'rate_limited', () => answer(a.status, a.body, a.headers));
      }
      limits.take(weight, now);
    }
    const headersNow = wire.headers(limits, now, id);

    const call = this.calls.get(callId);
    const attempt = (this.attempts.get(callId) ?? 0) + 1;
    this.attempts.set(callId, attempt);
    const z = call && attempt === 1 ? call.latencyZ : gaussian(this.random);
    const slow = fault?.kind === 'slow' ? fault.value : 1;
    const latency = Math.round(spec.medianMs * Math.exp(spec.sigma * z) * slow);
    const completion = call?.outputTokens ?? Math.min(maxTokens, 300);
    return end(latency, 'ok', () => {
      record.billed = inputTokens + completion;
      // Anthropic counts output as `max_tokens` until the answer is done, then as generated.
      limits.refund('output-tokens', maxTokens - completion, this.sim.now());
      return answer(200, wire.ok(model, inputTokens, completion, this.sim.now(), id), headersNow);
    });
  };

  /** Simulated network and generation time; the request's signal cancels it. */
  private wait(ms: number, signal: AbortSignal | undefined, record: RequestRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.sim.clearTimer(timer);
        record.outcome = 'aborted';
        record.endedAt = this.sim.elapsed();
        reject(abortError(signal!));
      };
      const timer = this.sim.setTimer(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
