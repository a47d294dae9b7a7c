import { Monitor, type MonitorDeps } from '../../src/monitor/monitor.js';
import type { MonitorEvents, MonitorEventName } from '../../src/monitor/events.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { createFakeClock } from '../../src/testing/index.js';

/** A monitor on a fake clock that records every event it emits. */
export function setup(options?: MonitorOptions, extra: Partial<MonitorDeps> = {}) {
  const clock = createFakeClock();
  const events: { name: MonitorEventName; payload: MonitorEvents[MonitorEventName] }[] = [];
  const wanted = new Set<MonitorEventName>(['health:change', 'anomaly', 'alert']);
  const monitor = new Monitor(options, {
    clock,
    events: { wants: (n) => wanted.has(n), emit: (name, payload) => void events.push({ name, payload }) },
    ...extra,
  });
  const of = <K extends MonitorEventName>(name: K) => events.filter((e) => e.name === name).map((e) => e.payload as MonitorEvents[K]);
  const win = (model: string, label: string) => monitor.snapshot().models.find((m) => m.model === model)?.windows.find((w) => w.window === label);
  return { clock, monitor, events, of, wanted, win };
}

/**
 * `ok` successes and `failed` errors on `model`, its breaker opens, 30 s pass,
 * and a probe closes it again (the monitor's view of an outage and recovery).
 */
export async function outageThenRecovery({ clock, monitor }: ReturnType<typeof setup>, model: string, ok: number, failed: number): Promise<void> {
  for (let i = 0; i < ok; i++) monitor.recordAttempt(model, 'success', 100);
  for (let i = 0; i < failed; i++) monitor.recordAttempt(model, 'error', 100);
  monitor.recordBreaker(model, 'open');
  await clock.advance(30_000);
  monitor.recordBreaker(model, 'half-open');
  monitor.recordBreaker(model, 'closed');
}
