import { EVENT_NAMES } from '../sse/observable.js';

/**
 * The dashboard page: one HTML document with inline CSS and JS, no build step,
 * no CDN, so it works offline and behind strict egress rules. It reads the SSE
 * feed whose URL is in `<meta name="llmr-events">` and renders with
 * `textContent` only, so nothing from the feed is ever parsed as HTML.
 *
 * The script deliberately uses no timers: it redraws when a frame arrives, and
 * the server's periodic `snapshot` frames are its clock.
 */

export const PAGE_STYLE = `
:root{--bg:#0f1419;--panel:#161d25;--line:#2a3440;--text:#d8dee6;--dim:#8a96a3;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--info:#58a6ff}
*{box-sizing:border-box}body{margin:0;font:13px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--text)}
header{display:flex;align-items:center;gap:12px;padding:10px 16px;border-bottom:1px solid var(--line)}
h1{font-size:15px;margin:0;font-weight:600}h2{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--dim);margin:0 0 8px}
#conn{font-size:12px;padding:2px 8px;border-radius:10px;background:var(--line)}#conn.live{background:#1f3d2a;color:var(--ok)}#conn.down{background:#3d1f1f;color:var(--bad)}
#updated{color:var(--dim);font-size:12px;margin-left:auto}
main{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:12px;padding:12px}
section{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 12px;min-width:0}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:5px 6px;border-bottom:1px solid var(--line);white-space:nowrap}
th{color:var(--dim);font-weight:500;font-size:12px}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.healthy,.closed{background:#1f3d2a;color:var(--ok)}.degraded,.half-open{background:#3d331a;color:var(--warn)}.unhealthy,.open{background:#3d1f1f;color:var(--bad)}.unknown{background:var(--line);color:var(--dim)}
#chart{width:100%;height:180px;display:block}#legend{display:flex;flex-wrap:wrap;gap:10px;font-size:12px;color:var(--dim)}#legend i{display:inline-block;width:10px;height:3px;margin-right:4px;vertical-align:middle}
.gauge{margin:6px 0 10px}.gauge .label{display:flex;justify-content:space-between;font-size:12px}.bar{position:relative;height:12px;background:var(--line);border-radius:3px;overflow:hidden}
.fill{height:100%;background:var(--ok)}.fill.near{background:var(--warn)}.fill.over{background:var(--bad)}.mark{position:absolute;top:0;bottom:0;left:90%;width:2px;background:var(--text);opacity:.7}
#log{list-style:none;margin:0;padding:0;max-height:340px;overflow-y:auto;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
#log li{padding:3px 0;border-bottom:1px solid var(--line);display:flex;gap:8px}#log time{color:var(--dim)}#log .ev{min-width:120px;font-weight:600}
#log .bad .ev{color:var(--bad)}#log .warn .ev{color:var(--warn)}#log .ok .ev{color:var(--ok)}#log .info .ev{color:var(--info)}
.empty{color:var(--dim);font-style:italic}.wide{grid-column:1/-1}
@media (max-width:900px){main{grid-template-columns:1fr}}
`;

export const PAGE_SCRIPT = `
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const h = (tag, props, ...kids) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') el.className = v; else if (k === 'text') el.textContent = v; else el.setAttribute(k, String(v));
    }
    for (const kid of kids) if (kid != null) el.append(kid);
    return el;
  };
  const SVG = 'http://www.w3.org/2000/svg';
  const COLORS = ['#58a6ff', '#f0883e', '#a371f7', '#3fb950', '#db61a2', '#d29922', '#39c5cf'];
  const MAX_POINTS = 60, MAX_LOG = 200, KEEP_LATENCIES = 200;
  const models = new Map();
  const budgets = new Map();
  const history = [];
  let monitorSeen = false;

  const model = (name) => {
    let m = models.get(name);
    if (!m) {
      m = { name, health: null, breaker: 'closed', successes: 0, failures: 0, latencies: [], p50: null, p95: null, p99: null, color: COLORS[models.size % COLORS.length] };
      models.set(name, m);
    }
    return m;
  };
  const pct = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);
  const ms = (v) => (v == null ? '–' : v >= 1000 ? (v / 1000).toFixed(v >= 10000 ? 1 : 2) + ' s' : Math.round(v) + ' ms');
  const clock = (t) => new Date(t).toLocaleTimeString();
  const healthOf = (m) => m.health || (m.breaker === 'open' ? 'unhealthy' : m.breaker === 'half-open' ? 'degraded' : m.successes + m.failures ? 'healthy' : 'unknown');

  function applySnapshot(frame) {
    const snap = frame.snapshot || {};
    // ResilientClient: { models: string[], breakers: { [model]: { state } }, monitor?: MonitorSnapshot }.
    const mon = snap.monitor || null;
    for (const name of Array.isArray(snap.models) ? snap.models : []) if (typeof name === 'string') model(name);
    for (const [name, b] of Object.entries(snap.breakers || {})) if (b && b.state) model(name).breaker = b.state;
    if (mon) monitorSeen = true;
    for (const s of (mon && mon.models) || []) {
      if (!s || typeof s.model !== 'string') continue;
      const m = model(s.model);
      if (s.breaker) m.breaker = s.breaker;
      if (s.health) m.health = s.health;
      const w = Array.isArray(s.windows) ? s.windows.find((x) => x.window === mon.primaryWindow) || s.windows[0] : null;
      if (w) {
        m.successes = w.successes || 0;
        m.failures = (w.errors || 0) + (w.timeouts || 0) + (w.rateLimited || 0);
        if (w.latency) { m.p50 = w.latency.p50; m.p95 = w.latency.p95; m.p99 = w.latency.p99; }
      }
    }
    if (!mon) {
      for (const m of models.values()) {
        const sorted = m.latencies.slice().sort((a, b) => a - b);
        m.p50 = pct(sorted, 0.5); m.p95 = pct(sorted, 0.95); m.p99 = pct(sorted, 0.99);
      }
    }
    for (const b of (mon && mon.budgets) || []) if (b && typeof b.fraction === 'number') budgets.set(b.scope, { scope: b.scope, fraction: b.fraction });
    for (const s of (frame.budget && frame.budget.scopes) || []) {
      const f = s.limitTokens ? s.usedTokens / s.limitTokens : s.limitUsd ? s.costUsd / s.limitUsd : null; // settled use, as the 90% alert reads it
      if (f != null) budgets.set(s.key || s.scope, { scope: s.key || s.scope, fraction: f });
    }
    const point = { t: frame.timestamp, values: {} };
    for (const m of models.values()) if (m.p95 != null) point.values[m.name] = { p50: m.p50, p95: m.p95 };
    history.push(point);
    if (history.length > MAX_POINTS) history.shift();
    $('updated').textContent = 'updated ' + clock(frame.timestamp);
    $('updated').setAttribute('data-t', String(frame.timestamp));
  }

  const TONE = { fallback: 'warn', exhausted: 'bad', 'breaker:open': 'bad', 'breaker:half-open': 'warn', 'breaker:close': 'ok', failure: 'bad', retry: 'info', alert: 'bad', anomaly: 'warn', 'budget:warning': 'warn', 'budget:exceeded': 'bad', 'stream:failed': 'bad', 'store:degraded': 'warn', ratelimit: 'info' };
  function describe(name, p) {
    switch (name) {
      case 'fallback': return p.from + ' → ' + p.to + ' (' + p.reason + ')';
      case 'failure': return p.model + ' attempt ' + p.attempt + ': ' + p.kind + (p.status ? ' ' + p.status : '') + ' after ' + ms(p.latencyMs);
      case 'retry': return p.model + ' retry in ' + ms(p.delayMs) + ' (' + p.reason + ')';
      case 'exhausted': return 'all models failed: ' + (p.failures || []).map((f) => f.model + ' ' + f.reason).join(', ');
      case 'health:change': return p.model + ' ' + p.from + ' → ' + p.to + (p.reasons && p.reasons.length ? ': ' + p.reasons.join('; ') : '');
      case 'alert': return '[' + p.level + '] ' + p.message;
      case 'budget:warning': case 'budget:exceeded': return p.key + ' ' + p.used + ' / ' + p.limit + ' ' + p.unit;
      default: return p.model ? p.model + (p.state ? ' ' + p.state : '') : '';
    }
  }
  function log(name, p) {
    const tone = name === 'health:change' ? (p.to === 'healthy' ? 'ok' : p.to === 'degraded' ? 'warn' : 'bad') : name === 'alert' && p.level === 'info' ? 'info' : TONE[name] || 'info';
    const list = $('log');
    list.prepend(h('li', { class: tone, 'data-event': name }, h('time', { text: clock(p.timestamp), 'data-t': p.timestamp }), h('span', { class: 'ev', text: name }), h('span', { text: describe(name, p) })));
    while (list.children.length > MAX_LOG) list.lastChild.remove();
  }

  // Once-per-call events would bury fallbacks and alerts.
  const QUIET = new Set(['attempt', 'success', 'budget:usage', 'stream:committed', 'stream:end', 'stream:usage-requested']);
  function onEvent(name, p) {
    if (p.model) model(p.model);
    if (name === 'success' && !monitorSeen) { const m = model(p.model); m.successes++; m.latencies.push(p.latencyMs); if (m.latencies.length > KEEP_LATENCIES) m.latencies.shift(); }
    if (name === 'failure' && !monitorSeen) model(p.model).failures++;
    if (name.startsWith('breaker:')) model(p.model).breaker = p.state;
    if (name === 'health:change') model(p.model).health = p.to;
    if ((name === 'budget:warning' || name === 'budget:exceeded') && p.limit) budgets.set(p.key, { scope: p.key, fraction: p.used / p.limit });
    if (!QUIET.has(name)) log(name, p);
  }

  function renderModels() {
    const body = $('models');
    body.replaceChildren();
    if (!models.size) { body.append(h('tr', {}, h('td', { class: 'empty', colspan: 7, text: 'No model called yet' }))); return; }
    for (const m of models.values()) {
      const health = healthOf(m);
      body.append(h('tr', { 'data-model': m.name, 'data-health': health, 'data-breaker': m.breaker },
        h('td', {}, h('i', { style: 'display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:6px;background:' + m.color }), m.name),
        h('td', {}, h('span', { class: 'pill health ' + health, text: health })),
        h('td', {}, h('span', { class: 'pill breaker ' + m.breaker, text: m.breaker })),
        h('td', { class: 'num', text: String(m.successes) }),
        h('td', { class: 'num', text: String(m.failures) }),
        h('td', { class: 'num', text: ms(m.p50) }),
        h('td', { class: 'num', text: ms(m.p95) + ' / ' + ms(m.p99) })));
    }
  }

  function renderChart() {
    const svg = $('chart');
    const W = svg.clientWidth || 600, H = 180, L = 56, B = 18, T = 8;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.replaceChildren();
    let max = 0;
    for (const p of history) for (const v of Object.values(p.values)) max = Math.max(max, v.p95);
    const el = (tag, attrs) => { const e = document.createElementNS(SVG, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v)); svg.append(e); return e; };
    if (!max) { el('text', { x: L, y: H / 2, fill: '#8a96a3', 'font-size': 12 }).textContent = 'Waiting for latency data…'; return; }
    max *= 1.1;
    const x = (i) => L + (i / Math.max(1, MAX_POINTS - 1)) * (W - L - 8);
    const y = (v) => T + (1 - v / max) * (H - T - B);
    for (const f of [0, 0.5, 1]) {
      el('line', { x1: L, x2: W - 8, y1: y(max * f), y2: y(max * f), stroke: '#2a3440' });
      el('text', { x: L - 6, y: y(max * f) + 4, fill: '#8a96a3', 'font-size': 11, 'text-anchor': 'end' }).textContent = ms(max * f);
    }
    const offset = MAX_POINTS - history.length;
    for (const m of models.values()) {
      for (const [q, dash, width] of [['p95', '', 2], ['p50', '4 3', 1]]) {
        const pts = [];
        history.forEach((p, i) => { const v = p.values[m.name]; if (v && v[q] != null) pts.push(x(i + offset).toFixed(1) + ',' + y(v[q]).toFixed(1)); });
        if (pts.length) el('polyline', { points: pts.join(' '), fill: 'none', stroke: m.color, 'stroke-width': width, 'stroke-dasharray': dash });
      }
    }
    const legend = $('legend');
    legend.replaceChildren(...[...models.values()].map((m) => h('span', {}, h('i', { style: 'background:' + m.color }), m.name)), h('span', { text: 'solid p95 · dashed p50' }));
  }

  function renderBudgets() {
    const box = $('budgets');
    box.replaceChildren();
    if (!budgets.size) { box.append(h('p', { class: 'empty', text: 'No budget configured' })); return; }
    for (const b of budgets.values()) {
      const pctUsed = Math.round(b.fraction * 100);
      const fill = h('div', { class: 'fill' + (b.fraction >= 1 ? ' over' : b.fraction >= 0.9 ? ' near' : ''), style: 'width:' + Math.min(100, Math.max(0, pctUsed)) + '%' });
      box.append(h('div', { class: 'gauge', 'data-scope': b.scope },
        h('div', { class: 'label' }, h('span', { text: b.scope }), h('span', { text: pctUsed + '%' })),
        h('div', { class: 'bar', title: '90% line' }, fill, h('div', { class: 'mark' }))));
    }
  }

  let queued = false;
  const render = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; renderModels(); renderChart(); renderBudgets(); });
  };

  const url = document.querySelector('meta[name="llmr-events"]').content;
  const source = new EventSource(url);
  const conn = $('conn');
  source.onopen = () => { conn.textContent = 'live'; conn.className = 'live'; };
  source.onerror = () => { conn.textContent = 'reconnecting…'; conn.className = 'down'; };
  source.addEventListener('snapshot', (e) => { applySnapshot(JSON.parse(e.data)); render(); });
  const NAMES = ${JSON.stringify(EVENT_NAMES)};
  for (const name of NAMES) source.addEventListener(name, (e) => { onEvent(name, JSON.parse(e.data)); render(); });
  render();
})();
`;

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The whole document. Only `eventsUrl` and `title` vary; the script is fixed, so its CSP hash is too. */
export function renderPage(eventsUrl: string, title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="llmr-events" content="${escapeAttr(eventsUrl)}"><title>${escapeAttr(title)}</title>
<style>${PAGE_STYLE}</style></head>
<body><header><h1>${escapeAttr(title)}</h1><span id="conn">connecting…</span><span id="updated"></span></header>
<main>
<section class="wide"><h2>Models</h2><table><thead><tr><th>Model</th><th>Health</th><th>Breaker</th><th>OK</th><th>Failed</th><th>p50</th><th>p95 / p99</th></tr></thead><tbody id="models"></tbody></table></section>
<section><h2>Latency over time</h2><svg id="chart" role="img" aria-label="latency percentiles over time"></svg><div id="legend"></div></section>
<section><h2>Budgets <small>(line at 90%)</small></h2><div id="budgets"></div></section>
<section class="wide"><h2>Events</h2><ul id="log"></ul></section>
</main>
<script>${PAGE_SCRIPT}</script></body></html>`;
}
