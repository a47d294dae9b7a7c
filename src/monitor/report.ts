import { redact } from '../errors/redact.js';
import { fmtMs, pct } from './health.js';
import type { ModelSnapshot, MonitorSnapshot, WindowSnapshot } from './snapshot.js';

export type SignalStatus = 'normal' | 'caution' | 'warning';

export interface ReportOptions {
  /** @default 'markdown' */
  readonly format?: 'markdown' | 'json' | undefined;
  /** Notable events listed in the Markdown report. @default 10 */
  readonly maxEvents?: number | undefined;
}

// Rate limits get their own bands: a few are normal traffic shaping, a quarter is a capacity problem.
const RATE_LIMIT_CAUTION = 0.05;
const RATE_LIMIT_WARNING = 0.2;
// Event-loop delay above this makes every model look slow.
const EVENT_LOOP_WARNING_MS = 100;

const band = (v: number, caution: number, warning: number): SignalStatus => (v >= warning ? 'warning' : v >= caution ? 'caution' : 'normal');
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
const cell = (s: string) => s.replace(/\|/g, '\\|');

interface Signals {
  readonly w: WindowSnapshot | undefined;
  readonly judged: boolean;
  readonly errors: SignalStatus | undefined;
  readonly latency: SignalStatus | undefined;
  readonly rateLimits: SignalStatus | undefined;
  readonly breaker: SignalStatus;
}

/** Normal / caution / warning per signal, on the snapshot's own thresholds (caution = degraded, warning = unhealthy). */
export function signals(m: ModelSnapshot, snap: MonitorSnapshot): Signals {
  const t = snap.thresholds;
  const w = m.windows.find((x) => x.window === snap.primaryWindow);
  const judged = (w?.calls ?? 0) >= t.minCalls;
  // Errors and latency read the attempts the model answered, as health does: a 429 is capacity.
  const answered = (w?.calls ?? 0) - (w?.rateLimited ?? 0) >= t.minCalls;
  const p95 = w?.latency?.p95;
  return {
    w,
    judged,
    errors: answered ? band(w!.errorRate, t.degraded.errorRate, t.unhealthy.errorRate) : undefined,
    latency: answered && p95 !== undefined ? band(p95, t.degraded.p95LatencyMs, t.unhealthy.p95LatencyMs) : undefined,
    rateLimits: judged ? band(w!.rateLimitRate, RATE_LIMIT_CAUTION, RATE_LIMIT_WARNING) : undefined,
    breaker: m.breaker === 'open' ? 'warning' : m.breaker === 'half-open' ? 'caution' : 'normal',
  };
}

/**
 * True when `m` is healthy now although the primary window still holds its
 * failures: its breaker closed after a probe since (`recoveredAt`), or the
 * shortest window has enough calls and an error rate below the degraded line.
 */
function recovered(m: ModelSnapshot, snap: MonitorSnapshot): boolean {
  if (m.health !== 'healthy' || m.breaker !== 'closed') return false;
  if (m.recoveredAt !== undefined) return true;
  const latest = [...m.windows].sort((a, b) => a.windowMs - b.windowMs)[0];
  return latest !== undefined && latest.window !== snap.primaryWindow && latest.calls >= snap.thresholds.minCalls && latest.errorRate < snap.thresholds.degraded.errorRate;
}

/**
 * Recommended actions, most severe first, as sentences. Recent beats old: a
 * model whose failures are in the window but that is healthy again gets
 * "watch", not "move traffic off".
 */
export function recommendations(snap: MonitorSnapshot): string[] {
  const out: { severity: number; text: string }[] = [];
  const win = snap.primaryWindow;
  for (const m of snap.models) {
    const s = signals(m, snap);
    const w = s.w;
    if (m.breaker === 'open') out.push({ severity: 3, text: `Check ${m.model}: its circuit is open, calls skip to the next model until a probe succeeds.` });
    if (w && s.errors && s.errors !== 'normal' && recovered(m, snap)) {
      const since = m.recoveredAt !== undefined ? `since ${iso(m.recoveredAt)}` : 'in the latest window';
      out.push({ severity: 1, text: `Watch ${m.model}: recovered, healthy ${since}; the ${pct(w.errorRate)} error rate over ${win} includes the failures before.` });
    } else if (w && s.errors === 'warning') out.push({ severity: 3, text: `Move traffic off ${m.model}: error rate ${pct(w.errorRate)} over ${win}.` });
    else if (w && s.errors === 'caution') out.push({ severity: 1, text: `Watch ${m.model}: error rate ${pct(w.errorRate)} over ${win}.` });
    if (w?.latency && s.latency === 'warning') out.push({ severity: 2, text: `Move latency-sensitive traffic off ${m.model}: p95 latency ${fmtMs(w.latency.p95)} over ${win}.` });
    else if (w?.latency && s.latency === 'caution') out.push({ severity: 1, text: `Watch ${m.model}: p95 latency ${fmtMs(w.latency.p95)} over ${win}.` });
    if (w && s.rateLimits && s.rateLimits !== 'normal') {
      out.push({ severity: s.rateLimits === 'warning' ? 2 : 1, text: `Lower concurrency on ${m.model} or ask for a higher rate limit: ${pct(w.rateLimitRate)} of calls rate limited over ${win}.` });
    }
    if (m.oldestInFlightMs !== undefined && m.oldestInFlightMs >= 120_000) out.push({ severity: 1, text: `Look for hung calls on ${m.model}: one has run for ${fmtMs(m.oldestInFlightMs)}; set timeoutMs.` });
  }
  for (const b of snap.budgets) {
    if (b.fraction >= snap.thresholds.budget || b.refused > 0) {
      const refused = b.refused > 0 ? `, ${b.refused} call${b.refused === 1 ? '' : 's'} refused for lack of room` : '';
      out.push({ severity: b.fraction >= 1 || b.refused > 0 ? 3 : 2, text: `Raise budget ${b.scope} or move traffic to cheaper models: ${pct(b.fraction)} used${refused}.` });
    }
  }
  const eld = snap.process?.eventLoopDelayMs;
  if (eld && eld.p99 >= EVENT_LOOP_WARNING_MS) out.push({ severity: 2, text: `Relieve the host: event-loop delay p99 ${fmtMs(eld.p99)}, so slow calls may not be the model's fault.` });
  return out.sort((a, b) => b.severity - a.severity).map((x) => x.text);
}

const status = (s: SignalStatus | undefined) => s ?? 'n/a';
const sig = (n: number) => String(Number(n.toPrecision(3)));
/** Calls per second, minute or hour, whichever reads as a number above 1. */
const rate = (perSecond: number) =>
  perSecond === 0 ? '0' : perSecond >= 1 ? `${sig(perSecond)}/s` : perSecond * 60 >= 1 ? `${sig(perSecond * 60)}/min` : `${sig(perSecond * 3600)}/h`;
const lat = (v: number | undefined) => (v === undefined ? '—' : fmtMs(v));

function statusTable(snap: MonitorSnapshot): string[] {
  const rows = ['| Model | Health | Calls | Error rate | p95 latency | Rate limited | Breaker | Uptime |', '|---|---|---:|---|---|---|---|---:|'];
  for (const m of snap.models) {
    const s = signals(m, snap);
    const w = s.w;
    rows.push(
      `| ${cell(m.model)} | ${m.health} | ${w?.calls ?? 0} | ${w ? pct(w.errorRate) : '—'} ${status(s.errors)} | ${lat(w?.latency?.p95)} ${status(s.latency)} | ${w ? pct(w.rateLimitRate) : '—'} ${status(s.rateLimits)} | ${m.breaker} ${s.breaker} | ${w ? pct(w.uptime) : '—'} |`,
    );
  }
  return rows;
}

function detailTables(snap: MonitorSnapshot): string[] {
  const out = ['| Model | min | mean | p50 | p90 | p95 | p99 | max |', '|---|---:|---:|---:|---:|---:|---:|---:|'];
  const traffic = ['| Model | Throughput | Retries | Fallbacks in / out | Timeouts | Tokens in / out | Cost (USD) |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const m of snap.models) {
    const w = m.windows.find((x) => x.window === snap.primaryWindow);
    const l = w?.latency;
    out.push(`| ${cell(m.model)} | ${[l?.min, l?.mean, l?.p50, l?.p90, l?.p95, l?.p99, l?.max].map(lat).join(' | ')} |`);
    if (w) traffic.push(`| ${cell(m.model)} | ${rate(w.throughput)} | ${w.retries} | ${w.fallbacksIn} / ${w.fallbacksOut} | ${w.timeouts} | ${w.inputTokens} / ${w.outputTokens} | ${w.costUsd.toFixed(4)} |`);
  }
  return ['## Latency (successful calls)', '', ...out, '', '## Traffic', '', ...traffic];
}

function trendTable(snap: MonitorSnapshot): string[] {
  const prev = snap.previous;
  if (!prev) return [];
  const rows = [`## Trend vs previous ${prev.window}`, '', '| Model | Calls | Error rate | p95 latency |', '|---|---|---|---|'];
  const names = [...new Set([...snap.models.map((m) => m.model), ...prev.models.map((m) => m.model)])].sort();
  for (const name of names) {
    const now = snap.models.find((m) => m.model === name)?.windows.find((w) => w.window === snap.primaryWindow);
    const before = prev.models.find((m) => m.model === name);
    const arrow = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '' : b > a ? ' ▲' : b < a ? ' ▼' : ' =');
    rows.push(
      `| ${cell(name)} | ${before?.calls ?? 0} → ${now?.calls ?? 0}${arrow(before?.calls ?? 0, now?.calls ?? 0)} | ${before ? pct(before.errorRate) : '—'} → ${now ? pct(now.errorRate) : '—'}${arrow(before?.errorRate, now?.errorRate)} | ${lat(before?.p95LatencyMs)} → ${lat(now?.latency?.p95)}${arrow(before?.p95LatencyMs, now?.latency?.p95)} |`,
    );
  }
  return [...rows, ''];
}

/**
 * Renders a snapshot as Markdown (status table, latency and traffic, budgets,
 * trend, notable events, recommended actions) or as JSON (the snapshot plus a
 * `recommendations` array of the same sentences). Everything in it
 * comes from the snapshot; credential-looking text is masked all the same.
 */
export function renderReport(snap: MonitorSnapshot, options: ReportOptions = {}): string {
  if (options.format === 'json') return redact(JSON.stringify({ ...snap, recommendations: recommendations(snap) }, null, 2));
  const lines = ['# LLM resilience report', '', `Taken ${iso(snap.takenAt)} · window ${snap.primaryWindow} · routing ${snap.routing}`, ''];
  if (snap.models.length === 0) lines.push('No model has been called yet.', '');
  else {
    const table = statusTable(snap);
    // Say what `n/a` means where it appears.
    const legend = table.some((r) => r.includes(' n/a '))
      ? ['', `_n/a: not judged, fewer than ${snap.thresholds.minCalls} attempts answered (rate-limited ones aside) over ${snap.primaryWindow}, or no successful call to time._`]
      : [];
    lines.push('## Status', '', ...table, ...legend, '', ...detailTables(snap), '');
  }
  if (snap.budgets.length > 0) {
    lines.push('## Budgets', '', '| Scope | Used | Refused calls | Status |', '|---|---:|---:|---|');
    // At or past the limit is not a warning any more: the scope refuses calls (or lets them through, with `warn`).
    for (const b of snap.budgets) lines.push(`| ${cell(b.scope)} | ${pct(b.fraction)} | ${b.refused} | ${b.fraction >= 1 ? 'exceeded' : band(b.fraction, snap.thresholds.budget, 1)} |`);
    lines.push('');
  }
  const p = snap.process;
  if (p) {
    const parts = [
      p.eventLoopDelayMs ? `event-loop delay p50 ${fmtMs(p.eventLoopDelayMs.p50)} / p99 ${fmtMs(p.eventLoopDelayMs.p99)}` : undefined,
      p.rssBytes !== undefined ? `RSS ${Math.round(p.rssBytes / 1048576)} MiB` : undefined,
      p.heapUsedBytes !== undefined ? `heap ${Math.round(p.heapUsedBytes / 1048576)} MiB` : undefined,
      p.cpu !== undefined ? `CPU ${pct(p.cpu)} of a core` : undefined,
    ].filter(Boolean);
    lines.push('## Host', '', parts.join(' · '), '');
  }
  lines.push(...trendTable(snap));
  const events = snap.recent.slice(0, options.maxEvents ?? 10);
  lines.push('## Notable events', '');
  if (events.length === 0) lines.push('None.');
  for (const e of events) lines.push(`- ${iso(e.timestamp)} **${e.level}** ${e.message}`);
  lines.push('');
  if (snap.malformedLines) lines.push(`_${snap.malformedLines} malformed log line(s) skipped._`, '');
  const actions = recommendations(snap);
  lines.push('## Recommended actions', '', ...(actions.length > 0 ? actions.map((a) => `- ${a}`) : ['None: every signal is normal.']), '');
  return redact(lines.join('\n'));
}
