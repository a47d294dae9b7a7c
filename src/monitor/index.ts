// Public surface of the monitor. The CLI uses node:fs and is exported from
// ../cli/report.js only; the JSONL sink loads node:fs lazily and is exported
// from the main entry, which stays loadable outside Node.
export { Monitor } from './monitor.js';
export type { MonitorDeps } from './monitor.js';
export { resolveMonitorOptions } from './options.js';
export type { MonitorOptions, HealthOptions, HealthThresholds, AnomalyOptions, AlertRules, RuleBase, AlertLevel, RoutingStrategy, ResolvedMonitorOptions } from './options.js';
export type { MonitorEvents, MonitorEventName, MonitorEmitter, HealthChangeEvent, AnomalyEvent, AlertEvent, AlertRule, Health, AttemptOutcome } from './events.js';
export type { CallToken } from './inflight.js';
export type { Ranking, RankReason } from './health.js';
export { outcomeOf } from './outcome.js';
export { renderReport, recommendations } from './report.js';
export type { ReportOptions, SignalStatus } from './report.js';
export { scheduleDailyReport } from './schedule.js';
export type { DailyReportOptions, DailyReportHandle } from './schedule.js';
export { windowLabel } from './snapshot.js';
export type { MonitorSnapshot, ModelSnapshot, WindowSnapshot, LatencyStats, NotableEvent, ProcessSnapshot, TrendEntry } from './snapshot.js';
export { replayLog, parseLogLine } from './replay.js';
export type { LoggedEvent, ReplayOptions } from './replay.js';
