/**
 * Runs scenario jobs in this process or spread over child processes (each run
 * is independent and seeded, so the figures do not depend on which process
 * ran it). A child runs worker.ts, with this process's loader flags (tsx).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CONTENDERS } from './contenders.js';
import { INCIDENTS } from './incidents.js';
import { type Metrics, computeMetrics } from './metrics.js';
import { closeRedisConnection, redisConnection, redisStore } from './redis.js';
import { runScenario } from './scenario.js';

export interface Job {
  readonly incident: string;
  readonly contender: string;
  readonly minutes: number;
  readonly seed: number;
  /** The bench's Redis (its Unix socket), for incidents whose workers share state there. */
  readonly redis?: string;
}

export interface JobResult {
  readonly job: Job;
  readonly metrics: Metrics;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly timersFired: number;
  readonly diagnostics: Readonly<Record<string, number>>;
  /** Redis round trips, and the wall time the run waited for them. */
  readonly ioCount: number;
  readonly ioWaitMs: number;
}

export async function runJob(job: Job): Promise<JobResult> {
  const cpu = process.cpuUsage();
  const incident = INCIDENTS.find((i) => i.id === job.incident)!;
  const contender = CONTENDERS.find((c) => c.id === job.contender)!;
  if (incident.redis && !job.redis) throw new Error(`${job.incident} needs the bench's Redis`);
  // Connected before the run, outside simulated time.
  const redis = incident.redis && job.redis ? await redisConnection(job.redis) : undefined;
  const prefix = `bench:${job.incident}:${job.contender}:${job.seed}:${job.minutes}:`;
  const r = await runScenario({ incident, contender, minutes: job.minutes, seed: job.seed, ...(redis ? { shared: (sim) => redisStore(redis, sim, prefix) } : {}) });
  const used = process.cpuUsage(cpu);
  return {
    job,
    metrics: computeMetrics(r),
    wallMs: r.wallMs,
    cpuMs: (used.user + used.system) / 1000,
    timersFired: r.timersFired,
    diagnostics: r.diagnostics,
    ioCount: r.ioCount,
    ioWaitMs: r.ioWaitMs,
  };
}

/** In a child: answer jobs until the parent disconnects. */
export function serveJobs(): void {
  process.on('message', (job: Job) => {
    void runJob(job).then((result) => process.send!(result));
  });
  process.on('disconnect', () => void closeRedisConnection().finally(() => process.exit(0)));
}

/** Runs every job on `processes` children (in this process when 1); `onDone` sees each result as it lands. */
export async function runJobs(jobs: readonly Job[], processes: number, onDone: (r: JobResult) => void): Promise<JobResult[]> {
  if (processes <= 1) {
    const results: JobResult[] = [];
    for (const job of jobs) {
      const r = await runJob(job);
      onDone(r);
      results.push(r);
    }
    await closeRedisConnection();
    return results;
  }
  const queue = [...jobs];
  const results: JobResult[] = [];
  const children: ChildProcess[] = [];
  await Promise.all(
    Array.from({ length: Math.min(processes, jobs.length) }, () => {
      // JSON over IPC drops `undefined` fields; metrics use it for "not applicable", and read back the same.
      const child = fork(fileURLToPath(new URL('./worker.ts', import.meta.url)), [], { serialization: 'advanced' });
      children.push(child);
      return new Promise<void>((resolve, reject) => {
        const next = () => {
          const job = queue.shift();
          if (job) child.send(job);
          else resolve();
        };
        child.on('message', (r: JobResult) => {
          onDone(r);
          results.push(r);
          next();
        });
        child.on('error', reject);
        child.on('exit', (code) => (queue.length > 0 || code ? reject(new Error(`incident worker exited with code ${code}`)) : resolve()));
        next();
      });
    }),
  );
  for (const c of children) c.disconnect();
  return results;
}
