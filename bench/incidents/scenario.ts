/**
 * One scenario run: one incident replayed against one contender on simulated
 * time. Returns the raw record (every logical call, every provider request);
 * metrics.ts turns it into figures.
 */
import type { Contender, Runner, SharedStore } from './contenders.js';
import type { Incident } from './incidents.js';
import { modelsOf } from './incidents.js';
import { type RequestRecord, SimulatedProvider } from './provider.js';
import { SimTime, wallNow } from './sim-time.js';
import { CALL_DEADLINE_MS, type CallSpec, type TaskSpec, generateWorkload, promptFor } from './workload.js';

export interface CallOutcome {
  readonly id: number;
  readonly taskId: number;
  /** Ms since the start of the run. */
  readonly start: number;
  readonly end: number;
  readonly ok: boolean;
  /** The model that answered (successes only). */
  readonly model?: string;
  /** The error's name (failures only). */
  readonly error?: string;
}

export interface ScenarioResult {
  readonly incident: Incident;
  readonly contender: Contender;
  readonly minutes: number;
  readonly tasks: readonly TaskSpec[];
  readonly calls: readonly CallOutcome[];
  readonly taskOk: ReadonlyMap<number, boolean>;
  readonly requests: readonly RequestRecord[];
  /** The run's primary model (the one faults hit and calls come back to). */
  readonly primary: string;
  /** Calls started but never settled (must be 0). */
  readonly unsettled: number;
  readonly faultWindows: readonly { from: number; to: number; kind: string }[];
  readonly isDown: (model: string, t: number) => boolean;
  readonly wallMs: number;
  readonly timersFired: number;
  /** Real I/O on the run's time base (Redis round trips), and the wall time waited for it. */
  readonly ioCount: number;
  readonly ioWaitMs: number;
  /** The contender's own counts (ours: events by name), if it keeps any. */
  readonly diagnostics: Readonly<Record<string, number>>;
}

export interface ScenarioOptions {
  readonly incident: Incident;
  readonly contender: Contender;
  /** Simulated minutes of arrivals. */
  readonly minutes: number;
  readonly seed: number;
  /**
   * A store the run's workers share (one per run, disposed after it): the seam
   * for shared-state rows such as Redis-backed buckets. None: workers share nothing.
   */
  readonly shared?: (sim: SimTime) => SharedStore | Promise<SharedStore>;
}

/** Time allowed after the last arrival for every call to settle. */
const DRAIN_MS = 15 * 60_000;

const errorName = (e: unknown): string => (e instanceof Error ? e.constructor.name || e.name : typeof e);

export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const wallStart = wallNow();
  // Worker variants replay their base incident's workload exactly.
  const incidentSeed = o.seed + (o.incident.workload ?? o.incident.id).split('').reduce((n, c) => (n * 31 + c.charCodeAt(0)) >>> 0, 7);
  const tasks = generateWorkload(o.incident, o.minutes, incidentSeed);
  const specs = new Map<number, CallSpec>(tasks.flatMap((t) => t.calls.map((c) => [c.id, c] as const)));
  const sim = new SimTime(incidentSeed ^ 0x5eed);
  const calls: CallOutcome[] = [];
  const taskOk = new Map<number, boolean>();
  let started = 0;
  sim.install();
  try {
    const provider = new SimulatedProvider(sim, o.incident, o.minutes, incidentSeed + 1, specs);
    const workers = Math.max(1, o.incident.workers ?? 1);
    const org = new Map<string, unknown>();
    const shared = o.shared ? await o.shared(sim) : undefined;
    const format = o.incident.format ?? 'openai';
    const models = modelsOf(o.incident);
    const runners: Runner[] = Array.from({ length: workers }, (_, worker) =>
      o.contender.make({ sim, provider, format, models, worker, workers, org, incident: o.incident, ...(shared ? { shared } : {}) }),
    );
    const runTask = async (task: TaskSpec) => {
      // Tasks are dealt round-robin: each worker sees an even share of the load.
      const runner = runners[task.id % workers]!;
      let ok = true;
      for (const [step, spec] of task.calls.entries()) {
        started++;
        const start = sim.elapsed();
        const deadline = sim.deadline(CALL_DEADLINE_MS);
        try {
          const model = await runner.call(
            {
              callId: spec.id,
              taskId: task.id,
              step,
              inputTokens: spec.inputTokens + 4 + 3, // as the provider counts: 4 per message, 3 per request
              body: { messages: [{ role: 'user', content: promptFor(spec) }], max_tokens: spec.maxTokens },
            },
            deadline.signal,
          );
          calls.push({ id: spec.id, taskId: task.id, start, end: sim.elapsed(), ok: true, model });
        } catch (error) {
          calls.push({ id: spec.id, taskId: task.id, start, end: sim.elapsed(), ok: false, error: errorName(error) });
          ok = false;
        } finally {
          deadline.clear();
        }
        if (!ok) break;
      }
      taskOk.set(task.id, ok);
    };
    for (const task of tasks) sim.setTimer(() => void runTask(task), task.arriveAt);
    await sim.runUntil(() => taskOk.size === tasks.length, o.minutes * 60_000 + DRAIN_MS);
    for (const r of runners) r.dispose();
    await shared?.dispose();
    const diagnostics: Record<string, number> = {};
    for (const r of runners) for (const [k, n] of Object.entries(r.diagnostics?.() ?? {})) diagnostics[k] = (diagnostics[k] ?? 0) + n;
    return {
      incident: o.incident,
      contender: o.contender,
      minutes: o.minutes,
      tasks,
      calls,
      taskOk,
      requests: provider.log,
      unsettled: started - calls.length,
      primary: models.primary,
      faultWindows: provider.faultWindows(models.primary),
      isDown: (model, t) => provider.isDown(model, t),
      wallMs: wallNow() - wallStart,
      timersFired: sim.fired,
      ioCount: sim.ioCount,
      ioWaitMs: sim.ioWaitMs,
      diagnostics,
    };
  } finally {
    sim.uninstall();
  }
}
