/**
 * `npm run bench:incidents`: a deterministic incident replay on simulated time.
 *
 *   --quick              6 simulated minutes per run instead of 30 (incident times scale)
 *   --minutes N          any other length
 *   --incident a,b       only these incidents (ids: steady, storm, storm-10s, overload, outage, quota, billing, slow, over-capacity;
 *                        storm / storm-10s / over-capacity shared by N workers: storm-w4, storm-w8, storm-w16, …;
 *                        the same with the workers' state on Redis: storm-w4-redis, …; each in Anthropic's
 *                        wire format with the suffix -anthropic: storm-anthropic, storm-w4-redis-anthropic, …)
 *   --format a,b         only incidents in these wire formats (openai, anthropic; default both)
 *   --contender a,b      only these contenders (ids: sdk, sdk-fallback, cockatiel, ours, ours-documented, ours-quickstart, ours-hedged, oracle);
 *                        the oracle always runs, the p95 target needs it
 *   --seed N             another workload and fault draw (default 1)
 *   --jobs N             run the scenarios on N processes (default 2; 1 = in this process)
 *   --save               write bench/results/incidents.md and the figures in docs/performance.md
 *
 * Targets are reported, never enforced: the exit code is 0 whatever they say.
 * See docs/performance.md, "Under incidents".
 */
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { CONTENDERS, type Contender } from './contenders.js';
import { FORMATS, FULL_MINUTES, INCIDENTS, type Incident, type WireFormat } from './incidents.js';
import type { Metrics } from './metrics.js';
import { type Job, runJobs } from './pool.js';
import { type RedisServer, redisServerAvailable, startRedisServer } from './redis.js';
import { incidentTable, summaryTable, targets, targetsByScope, targetsTable } from './report.js';
import { wallNow } from './sim-time.js';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const pick = <T extends { id: string }>(all: readonly T[], list: string | undefined, what: string): T[] => {
  if (!list) return [...all];
  const ids = list.split(',');
  for (const id of ids) if (!all.some((x) => x.id === id)) throw new Error(`unknown ${what} '${id}'; expected one of ${all.map((x) => x.id).join(', ')}`);
  return all.filter((x) => ids.includes(x.id));
};

const minutes = Number(value('--minutes') ?? (flag('--quick') ? 6 : FULL_MINUTES));
const seed = Number(value('--seed') ?? 1);
const processes = Math.max(1, Number(value('--jobs') ?? Math.min(2, cpus().length)));
const formats = (value('--format') ?? FORMATS.join(',')).split(',');
for (const f of formats) if (!FORMATS.includes(f as WireFormat)) throw new Error(`unknown format '${f}'; expected one of ${FORMATS.join(', ')}`);
let incidents: Incident[] = pick(INCIDENTS, value('--incident'), 'incident').filter((i) => formats.includes(i.format ?? 'openai'));
const contenders: Contender[] = pick(CONTENDERS, value('--contender'), 'contender');
if (!contenders.some((c) => c.id === 'oracle')) contenders.push(CONTENDERS.find((c) => c.id === 'oracle')!);
const command = `npm run bench:incidents${argv.length ? ` -- ${argv.join(' ')}` : ''}`;

const out: string[] = [];
const print = (line = '') => {
  out.push(line);
  console.log(line);
};

const wallStart = wallNow();
// The Redis rows need a real redis-server: started here, on a Unix socket, and stopped at the end.
const notes: string[] = [];
let redisServer: RedisServer | undefined;
if (incidents.some((i) => i.redis)) {
  if (redisServerAvailable()) {
    const server = await startRedisServer();
    redisServer = server;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.stop().finally(() => process.exit(130)));
  }
  else {
    notes.push(`Redis rows skipped: \`redis-server\` is not on PATH (${incidents.filter((i) => i.redis).length} incidents left out).`);
    incidents = incidents.filter((i) => !i.redis);
  }
}
// A contender that ignores shared state gives the same figures with or without Redis: its Redis rows
// reuse the run without (one job, two rows); one not measured with Redis leaves its cells empty.
const planned = new Map<string, { job: Job; rows: [string, string][] }>();
for (const i of incidents) {
  for (const c of contenders) {
    if (i.redis && c.redis === 'unmeasured') continue;
    const runs = i.redis && c.redis === 'ignores' ? i.id.replace('-redis', '') : i.id;
    const key = `${runs}/${c.id}`;
    let p = planned.get(key);
    if (!p) {
      const uses = i.redis && c.redis === 'uses' && redisServer;
      p = { job: { incident: runs, contender: c.id, minutes, seed, ...(uses ? { redis: redisServer!.socket } : {}) }, rows: [] };
      planned.set(key, p);
    }
    p.rows.push([i.id, c.id]);
  }
}
const plan = [...planned.values()];
let results: Awaited<ReturnType<typeof runJobs>>;
try {
  results = await runJobs(
    plan.map((p) => p.job),
    processes,
    (r) => process.stderr.write(`  ${r.job.incident} × ${r.job.contender}: ${(r.cpuMs / 1000).toFixed(1)} s CPU, ${(r.wallMs / 1000).toFixed(1)} s wall\n`),
  );
} finally {
  await redisServer?.stop();
}
const matrix = new Map<string, Map<string, Metrics>>(incidents.map((i) => [i.id, new Map()]));
const diagnostics = new Map<string, Readonly<Record<string, number>>>();
for (const r of results) {
  const rows = planned.get(`${r.job.incident}/${r.job.contender}`)!.rows;
  for (const [incident, contender] of rows) {
    matrix.get(incident)!.set(contender, r.metrics);
    diagnostics.set(`${incident}/${contender}`, r.diagnostics);
  }
}
const timers = results.reduce((n, r) => n + r.timersFired, 0);
const cpuS = results.reduce((n, r) => n + r.cpuMs, 0) / 1000;
const wallS = (wallNow() - wallStart) / 1000;
const runs = results.length;
const redisRuns = results.filter((r) => r.job.redis);
if (redisRuns.length > 0) {
  const trips = redisRuns.reduce((n, r) => n + r.ioCount, 0);
  const waitS = redisRuns.reduce((n, r) => n + r.ioWaitMs, 0) / 1000;
  const runWallS = redisRuns.reduce((n, r) => n + r.wallMs, 0) / 1000;
  notes.push(
    `Redis rows: a \`redis-server\` started by the bench on a Unix socket; ${redisRuns.length} runs made ${trips.toLocaleString('en-US')} round trips, simulated time waiting ${waitS.toFixed(1)} s of wall time for them (${((100 * waitS) / Math.max(runWallS, 1e-9)).toFixed(0)}% of those runs' ${runWallS.toFixed(1)} s). Contenders that share nothing show their figures from the same incident without Redis.`,
  );
}

print('# Under incidents');
print();
print(`${minutes} simulated minutes per run, seed ${seed}; ${runs} runs (${incidents.length} incidents × ${contenders.length} contenders, runs that give the same figures made once) in ${wallS.toFixed(1)} s of wall time on ${processes} process${processes > 1 ? 'es' : ''} (${cpuS.toFixed(1)} s of CPU), ${timers.toLocaleString('en-US')} simulated timers fired. Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}.`);
print();
for (const n of notes) {
  print(n);
  print();
}
print('## Task success % (a task succeeds when all 3 of its calls do)');
print();
for (const l of summaryTable(incidents, contenders, matrix)) print(l);
print();
print('## Per incident');
print();
for (const incident of incidents) {
  for (const l of incidentTable(incident, contenders, matrix)) print(l);
  print();
  const events = contenders.flatMap((c) => {
    const d = Object.entries(diagnostics.get(`${incident.id}/${c.id}`) ?? {}).sort(([a], [b]) => a.localeCompare(b));
    return d.length ? [`- ${c.label}, events: ${d.map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`).join(', ')}`] : [];
  });
  for (const l of events) print(l);
  if (events.length) print();
}
const verdicts = targets(incidents, contenders, matrix);
print('## Targets');
print();
for (const l of targetsTable(verdicts)) print(l);
print();
print('### Targets by wire format and worker count');
print();
const byScope = targetsByScope(incidents, contenders, matrix);
for (const l of byScope) print(l);
print();

if (flag('--save')) {
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const stamp = `Generated by \`${command}\` on ${new Date().toISOString()} — commit ${commit}.`;
  writeFileSync(new URL('../results/incidents.md', import.meta.url), `${[out[0], '', stamp, ...out.slice(1)].join('\n')}\n`);
  const docUrl = new URL('../../docs/performance.md', import.meta.url);
  const doc = readFileSync(docUrl, 'utf8');
  const BEGIN = '<!-- incidents:begin -->';
  const END = '<!-- incidents:end -->';
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) {
    console.error(`docs/performance.md has no ${BEGIN} … ${END} block; not updated`);
  } else {
    const block = [
      BEGIN,
      '',
      `${stamp} ${out[2]}`,
      '',
      'Task success %:',
      '',
      ...summaryTable(incidents, contenders, matrix),
      '',
      ...targetsTable(verdicts),
      '',
      'By wire format and worker count (met when met in every incident of the column):',
      '',
      ...byScope,
      '',
      'Every metric per incident (latency percentiles, requests per call, 429s, requests while down, fail-over and come-back times, tokens billed for failed tasks): [bench/results/incidents.md](../bench/results/incidents.md).',
      '',
      END,
    ];
    writeFileSync(docUrl, doc.slice(0, a) + block.join('\n') + doc.slice(b + END.length));
  }
  console.log('saved bench/results/incidents.md and docs/performance.md');
}
