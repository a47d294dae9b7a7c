/**
 * A seeded agent workload: tasks arrive as a Poisson process and make three
 * sequential chat calls each. Drawn once per incident from its own PRNG, so
 * every contender replays exactly the same tasks, prompts and first-attempt
 * latencies.
 */
import { createPrng } from '../lib/prng.js';
import { FULL_MINUTES, type Incident } from './incidents.js';

export const CALLS_PER_TASK = 3;
/** The caller's deadline for one call (its AbortSignal), ms. */
export const CALL_DEADLINE_MS = 120_000;

export interface CallSpec {
  readonly id: number;
  readonly taskId: number;
  readonly inputTokens: number;
  readonly maxTokens: number;
  readonly outputTokens: number;
  /** Standard normal draw for the first attempt's latency; later attempts draw fresh. */
  readonly latencyZ: number;
}

export interface TaskSpec {
  readonly id: number;
  /** Ms since the start of the run. */
  readonly arriveAt: number;
  readonly calls: readonly CallSpec[];
}

/** Standard normal by Box–Muller. */
export function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Logical calls per minute offered at time `t` (ms since start). */
export function callRate(incident: Incident, minutes: number, t: number): number {
  const s = incident.storm;
  const scale = (minutes / FULL_MINUTES) * 60_000;
  if (s && t >= s.fromMin * scale && t < s.toMin * scale) return s.callsPerMin;
  return incident.baseCallsPerMin;
}

export function generateWorkload(incident: Incident, minutes: number, seed: number): TaskSpec[] {
  const random = createPrng(seed);
  const durationMs = minutes * 60_000;
  const peak = Math.max(incident.baseCallsPerMin, incident.storm?.callsPerMin ?? 0) / CALLS_PER_TASK / 60_000; // tasks per ms
  const tasks: TaskSpec[] = [];
  let callId = 0;
  // Thinning: candidate arrivals at the peak rate, each kept with probability rate(t)/peak.
  for (let t = -Math.log(1 - random()) / peak; t < durationMs; t += -Math.log(1 - random()) / peak) {
    const keep = callRate(incident, minutes, t) / CALLS_PER_TASK / 60_000 / peak;
    if (random() >= keep) continue;
    const taskId = tasks.length;
    const calls: CallSpec[] = [];
    for (let i = 0; i < CALLS_PER_TASK; i++) {
      const inputTokens = Math.round(Math.min(6_000, Math.max(200, 1_000 * Math.exp(0.5 * gaussian(random)))));
      const maxTokens = 1_000;
      const outputTokens = Math.round(Math.min(maxTokens, Math.max(20, 350 * Math.exp(0.6 * gaussian(random)))));
      calls.push({ id: callId++, taskId, inputTokens, maxTokens, outputTokens, latencyZ: gaussian(random) });
    }
    tasks.push({ id: taskId, arriveAt: Math.round(t), calls });
  }
  return tasks;
}

/** The prompt for a call: about four characters per token, as the provider and our estimator count. */
export function promptFor(call: CallSpec): string {
  return 'x'.repeat(call.inputTokens * 4);
}
