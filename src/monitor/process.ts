import type { ProcessSnapshot } from './snapshot.js';

interface Histogram {
  enable(): void;
  disable(): void;
  reset(): void;
  percentile(p: number): number;
  readonly max: number;
  readonly count?: number;
}

type NodeProcess = {
  memoryUsage?: () => { rss: number; heapUsed: number };
  cpuUsage?: (prev?: { user: number; system: number }) => { user: number; system: number };
  getBuiltinModule?: (id: string) => unknown;
};

// Reached through `globalThis` and `getBuiltinModule` rather than a static
// `node:` import, so the monitor still loads in browsers and edge runtimes.
const proc = (): NodeProcess | undefined => (globalThis as { process?: NodeProcess }).process;

/**
 * Host signals, read only when a snapshot asks for them: an overloaded host
 * looks exactly like a slow model. The event-loop histogram is libuv's own
 * sampler (`perf_hooks.monitorEventLoopDelay`); it runs only when enabled.
 */
export class ProcessSampler {
  #histogram: Histogram | undefined;
  #cpu: { user: number; system: number } | undefined;
  #cpuAt = 0;

  constructor(eventLoopDelay: boolean) {
    if (!eventLoopDelay) return;
    const perf = proc()?.getBuiltinModule?.('perf_hooks') as { monitorEventLoopDelay?: (o: { resolution: number }) => Histogram } | undefined;
    this.#histogram = perf?.monitorEventLoopDelay?.({ resolution: 10 });
    this.#histogram?.enable();
  }

  sample(now: number): ProcessSnapshot {
    const p = proc();
    const out: { -readonly [K in keyof ProcessSnapshot]: ProcessSnapshot[K] } = {};
    const h = this.#histogram;
    if (h && (h.count ?? 1) > 0) {
      // The histogram reports nanoseconds.
      const ms = (ns: number) => Math.round(ns / 1e4) / 100;
      out.eventLoopDelayMs = { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
      h.reset();
    }
    const mem = p?.memoryUsage?.();
    if (mem) {
      out.rssBytes = mem.rss;
      out.heapUsedBytes = mem.heapUsed;
    }
    const cpu = p?.cpuUsage?.();
    if (cpu) {
      if (this.#cpu && now > this.#cpuAt) {
        const usedUs = cpu.user - this.#cpu.user + (cpu.system - this.#cpu.system);
        out.cpu = Math.round((usedUs / 1000 / (now - this.#cpuAt)) * 1000) / 1000;
      }
      this.#cpu = cpu;
      this.#cpuAt = now;
    }
    return out;
  }

  dispose(): void {
    this.#histogram?.disable();
    this.#histogram = undefined;
  }
}
