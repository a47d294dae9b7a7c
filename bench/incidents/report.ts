/**
 * Tables and targets for the incident replay, as Markdown lines.
 */
import type { Contender } from './contenders.js';
import type { Incident } from './incidents.js';
import type { Metrics } from './metrics.js';

export type Matrix = ReadonlyMap<string, ReadonlyMap<string, Metrics>>; // incident id → contender id → metrics

const pct = (n: number) => n.toFixed(1);
const secs = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const optSecs = (ms: number | null | undefined) => (ms === undefined ? '—' : ms === null ? 'never' : secs(ms));
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** Task success, one row per incident, one column per contender: the headline table. */
export function summaryTable(incidents: readonly Incident[], contenders: readonly Contender[], m: Matrix): string[] {
  const lines = [
    `| incident | ${contenders.map((c) => (c.ours ? `**${c.label}**` : c.label)).join(' | ')} |`,
    `|---|${contenders.map(() => '---:').join('|')}|`,
  ];
  for (const i of incidents) {
    const row = contenders.map((c) => {
      const x = m.get(i.id)?.get(c.id);
      return x ? `${pct(x.taskSuccess)}` : '';
    });
    lines.push(`| ${i.label} | ${row.join(' | ')} |`);
  }
  return lines;
}

export function incidentTable(incident: Incident, contenders: readonly Contender[], m: Matrix): string[] {
  const lines = [
    `### ${incident.label}`,
    '',
    '| contender | task success % | call success % | p50 | p95 | p99 | requests / call | 429s (% of requests) | requests while down | fail over | back to primary | tokens billed for failed tasks |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of contenders) {
    const x = m.get(incident.id)?.get(c.id);
    if (!x) continue;
    lines.push(
      `| ${c.label} | ${pct(x.taskSuccess)} | ${pct(x.callSuccess)} | ${secs(x.p50)} | ${secs(x.p95)} | ${secs(x.p99)} | ${x.requestsPerCall.toFixed(2)} | ${int(x.count429)} (${pct(x.pct429)}%) | ${int(x.requestsWhileDown)} | ${optSecs(x.failoverMs)} | ${optSecs(x.comebackMs)} | ${int(x.wastedTokens)} |`,
    );
  }
  return lines;
}

export interface Verdict {
  readonly target: string;
  readonly met: boolean | undefined;
  readonly detail: string;
}

interface Check {
  readonly target: string;
  /** undefined = cannot be judged in this run (a contender it compares with did not run). */
  readonly test: (x: Metrics, row: ReadonlyMap<string, Metrics>, incident: Incident, contender: Contender) => { ok: boolean; shown: string } | undefined;
  /** The incidents the target is for (all when absent), and how the table names them. */
  readonly only?: { readonly applies: (i: Incident) => boolean; readonly scope: string };
}

const PEERS = ['sdk', 'sdk-fallback', 'cockatiel'];
const STEADY = { applies: (i: Incident) => i.id === 'steady' || i.id === 'steady-anthropic', scope: '' };

const CHECKS: readonly Check[] = [
  {
    // The oracle is the best scheduler we know (over capacity not a proven bound: decision 0033); "level" allows the last shown digit.
    target: "task success level with the oracle's",
    test: (x, row) => {
      const o = row.get('oracle');
      return o ? { ok: x.taskSuccess >= o.taskSuccess - 0.1, shown: `${pct(x.taskSuccess)}% vs oracle ${pct(o.taskSuccess)}%` } : undefined;
    },
  },
  { target: '≤ 1.05 provider requests per logical call', test: (x) => ({ ok: x.requestsPerCall <= 1.05, shown: x.requestsPerCall.toFixed(2) }) },
  {
    target: "p95 ≤ 1.2× the oracle's",
    test: (x, row) => {
      const o = row.get('oracle');
      return o ? { ok: x.p95 <= 1.2 * o.p95, shown: `${secs(x.p95)} vs ${secs(o.p95)}` } : undefined;
    },
  },
  { target: '429s ≤ 1% of requests', test: (x) => ({ ok: x.pct429 <= 1, shown: `${pct(x.pct429)}%` }) },
  { target: '0 429s', only: { applies: (i) => i.redis === true, scope: ' in every incident with Redis' }, test: (x) => ({ ok: x.count429 === 0, shown: `${int(x.count429)}` }) },
  {
    target: 'back to the primary ≤ 30 s after a fault ends',
    test: (x) => (x.comebackMs === undefined ? undefined : { ok: x.comebackMs !== null && x.comebackMs <= 30_000, shown: optSecs(x.comebackMs) }),
  },
  {
    // "Level" allows the last shown digit: 0.1 point of task success.
    target: 'task success level with or ahead of every peer',
    test: (x, row) => {
      const peers = PEERS.map((id) => row.get(id)?.taskSuccess).filter((v): v is number => v !== undefined);
      if (peers.length === 0) return undefined;
      const best = Math.max(...peers);
      return { ok: x.taskSuccess >= best - 0.1, shown: `${pct(x.taskSuccess)}% vs best peer ${pct(best)}%` };
    },
  },
  { target: 'steady state: 1.00 requests per call', only: STEADY, test: (x) => ({ ok: x.requestsPerCall < 1.005, shown: x.requestsPerCall.toFixed(3) }) },
  {
    target: 'steady state: p50 latency equal to the bare SDK (within 5%)',
    only: STEADY,
    test: (x, row) => {
      const s = row.get('sdk');
      return s ? { ok: x.p50 <= 1.05 * s.p50, shown: `${secs(x.p50)} vs ${secs(s.p50)}` } : undefined;
    },
  },
  {
    target: '≥ 99.5% of tasks served by the primary model',
    only: { applies: (i) => i.deployments === true, scope: ' with a deployment of the primary out' },
    // Only for set-ups that configure the second deployment (a client that does not know it can only fall back).
    test: (x, _row, _i, c) => (c.deployments === false ? undefined : { ok: x.primaryServed >= 99.5, shown: `${pct(x.primaryServed)}%` }),
  },
  { target: 'every call settles', test: (x) => ({ ok: x.unsettled === 0, shown: `${x.unsettled} unsettled` }) },
];

/** One verdict per (ours contender × target), over every incident that ran. */
export function targets(incidents: readonly Incident[], contenders: readonly Contender[], m: Matrix): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const c of contenders.filter((x) => x.ours)) {
    for (const check of CHECKS) {
      const misses: string[] = [];
      const hits: string[] = [];
      let judged = 0;
      for (const i of incidents) {
        if (check.only && !check.only.applies(i)) continue;
        const row = m.get(i.id);
        const x = row?.get(c.id);
        if (!row || !x) continue;
        const r = check.test(x, row, i, c);
        if (!r) continue;
        judged++;
        (r.ok ? hits : misses).push(`${i.id} ${r.shown}`);
      }
      const scope = check.only ? check.only.scope : ' in every incident';
      verdicts.push({
        target: `${c.label}: ${check.target}${scope}`,
        met: judged === 0 ? undefined : misses.length === 0,
        detail: judged === 0 ? 'not measured in this run' : misses.length ? `missed in ${misses.join('; ')}` : check.only === STEADY ? hits.join('; ') : `met in all ${judged}`,
      });
    }
  }
  return verdicts;
}

export function targetsTable(verdicts: readonly Verdict[]): string[] {
  return [
    '| target | status | measured |',
    '|---|---|---|',
    ...verdicts.map((v) => `| ${v.target} | ${v.met === undefined ? 'n/a' : v.met ? 'met' : '**missed**'} | ${v.detail} |`),
  ];
}

/** Where an incident sits in the targets-by-scope table: its wire format, worker count and Redis. */
function scopeOf(i: Incident): string {
  const n = i.workers ?? 1;
  return `${i.format === 'anthropic' ? 'Anthropic' : 'OpenAI'}, ${n} worker${n > 1 ? 's' : ''}${i.redis ? ', Redis' : ''}`;
}

/**
 * The targets once more, one column per wire format × worker count (× Redis):
 * met only when met in every incident of that column ("—": none applies).
 */
export function targetsByScope(incidents: readonly Incident[], contenders: readonly Contender[], m: Matrix): string[] {
  const scopes = [...new Set(incidents.map(scopeOf))];
  const lines = [`| target | ${scopes.join(' | ')} |`, `|---|${scopes.map(() => ':---:').join('|')}|`];
  for (const c of contenders.filter((x) => x.ours)) {
    for (const check of CHECKS) {
      if (check === CHECKS.at(-1) || check.only === STEADY) continue;
      const cells = scopes.map((scope) => {
        let judged = 0;
        let missed = 0;
        for (const i of incidents) {
          if (scopeOf(i) !== scope || (check.only && !check.only.applies(i))) continue;
          const row = m.get(i.id);
          const x = row?.get(c.id);
          const r = row && x ? check.test(x, row, i, c) : undefined;
          if (!r) continue;
          judged++;
          if (!r.ok) missed++;
        }
        return judged === 0 ? '—' : missed === 0 ? 'met' : `**missed** (${missed}/${judged})`;
      });
      lines.push(`| ${c.label}: ${check.target} | ${cells.join(' | ')} |`);
    }
  }
  return lines;
}
