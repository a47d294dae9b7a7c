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
