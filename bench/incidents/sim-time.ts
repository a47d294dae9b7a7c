/**
 * One simulated time base for a whole scenario run. While installed, the timer
 * globals (`setTimeout`, `setInterval`, their `clear*`), `Date.now`,
 * `performance.now` and `Math.random` all read this object, so the `openai`
 * SDK's retry sleeps and request timeouts, cockatiel's breaker (which reads
 * `Date.now`), bottleneck's timer hops and our library (through its injected
 * `clock`) share one clock. Nothing runs until `runUntil` drives it: it lets
 * pending promise chains settle with one real `setImmediate` hop, then jumps to
 * the next due timer and fires it, one at a time, so the order of events is a
 * pure function of the seed.
 */
import type { Clock, TimerHandle } from '../../src/index.js';
import { createPrng } from '../lib/prng.js';

const real = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  dateNow: Date.now,
  performanceNow: performance.now.bind(performance),
  random: Math.random,
};

/** The real wall clock in ms, unaffected by the shims (for the bench's own wall time). */
export const wallNow = (): number => real.performanceNow();

/** A timer as the shimmed globals hand it out: Node's `Timeout` surface, so SDK code can `unref()` it. */
export class SimTimer {
  cancelled = false;
  constructor(
    readonly id: number,
    public due: number,
    readonly fn: () => void,
    readonly interval: number | undefined,
    public seq: number,
  ) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  refresh(): this {
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

/** A binary min-heap on (due, seq): ties fire in creation order. */
class TimerHeap {
  private readonly items: SimTimer[] = [];
  get size(): number {
    return this.items.length;
  }
  private less(a: SimTimer, b: SimTimer): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }
  push(t: SimTimer): void {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): SimTimer | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

export const SIM_EPOCH = Date.parse('2026-03-02T09:00:00Z');

export class SimTime {
  private nowMs = SIM_EPOCH;
  private seq = 0;
  private readonly heap = new TimerHeap();
  private readonly byId = new Map<number, SimTimer>();
  private installed = false;
  /** Timers fired so far (a cost figure for the bench's own report). */
  fired = 0;
  /** Real I/O done through {@link io}: round trips, and the wall time the run waited for them. */
  ioCount = 0;
  ioWaitMs = 0;
  private ioPending = 0;
  private ioChain: Promise<unknown> = Promise.resolve();
  private ioIdle: (() => void) | undefined;
  readonly random: () => number;

  constructor(seed: number) {
    this.random = createPrng(seed);
  }

  now(): number {
    return this.nowMs;
  }

  /** Milliseconds since the scenario started. */
  elapsed(): number {
    return this.nowMs - SIM_EPOCH;
  }

  setTimer(fn: () => void, ms: number, interval?: number): SimTimer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const id = ++this.seq;
    const t = new SimTimer(id, this.nowMs + delay, fn, interval, id);
    this.heap.push(t);
    this.byId.set(id, t);
    return t;
  }

  clearTimer(handle: unknown): void {
    const t = handle instanceof SimTimer ? handle : typeof handle === 'number' ? this.byId.get(handle) : undefined;
    if (!t) return;
    t.cancelled = true;
    this.byId.delete(t.id);
  }

  /** The `Clock` our library is given: the same queue as the shimmed globals. */
  readonly clock: Clock = Object.freeze({
    now: () => this.nowMs,
    setTimeout: (fn: () => void, ms: number): TimerHandle => this.setTimer(fn, ms) as unknown as TimerHandle,
    clearTimeout: (handle: TimerHandle): void => this.clearTimer(handle),
  });

  /** An AbortSignal that aborts after `ms` of simulated time (`AbortSignal.timeout` runs on real timers). */
  deadline(ms: number): { signal: AbortSignal; clear: () => void } {
    const controller = new AbortController();
    const t = this.setTimer(() => controller.abort(new DOMException(`deadline of ${ms} ms exceeded`, 'TimeoutError')), ms);
    return { signal: controller.signal, clear: () => this.clearTimer(t) };
  }

  install(): void {
    if (this.installed) return;
    this.installed = true;
    const g = globalThis as unknown as Record<string, unknown>;
    g.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => this.setTimer(() => fn(...args), ms ?? 0);
    g.clearTimeout = (h: unknown) => this.clearTimer(h);
    g.setInterval = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => this.setTimer(() => fn(...args), ms ?? 0, Math.max(1, ms ?? 1));
    g.clearInterval = (h: unknown) => this.clearTimer(h);
    Date.now = () => this.nowMs;
    Object.defineProperty(performance, 'now', { value: () => this.nowMs - SIM_EPOCH, configurable: true, writable: true });
    Math.random = this.random;
  }

  uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    const g = globalThis as unknown as Record<string, unknown>;
    g.setTimeout = real.setTimeout;
    g.clearTimeout = real.clearTimeout;
    g.setInterval = real.setInterval;
    g.clearInterval = real.clearInterval;
    Date.now = real.dateNow;
    delete (performance as unknown as Record<string, unknown>).now;
    Math.random = real.random;
  }

  /**
   * Real I/O on simulated time (a Redis round trip): `start` runs once every
   * earlier one has settled, one at a time in call order, so a run replays
   * the same; simulated time does not move on until none is pending.
   */
  io<T>(start: () => Promise<T>): Promise<T> {
    this.ioPending++;
    const run = this.ioChain.then(start);
    const done = () => {
      this.ioCount++;
      if (--this.ioPending === 0) this.ioIdle?.();
    };
    this.ioChain = run.then(done, done);
    return run;
  }

  /** One real macrotask hop: every pending microtask and `process.nextTick` has run when it resolves. */
  private settle(): Promise<void> {
    return new Promise((resolve) => real.setImmediate(resolve));
  }

  /**
   * Drives simulated time until `done()` holds, or until simulated time would
   * pass `limitMs` since the start (then returns false).
   */
  async runUntil(done: () => boolean, limitMs: number): Promise<boolean> {
    const limit = SIM_EPOCH + limitMs;
    for (;;) {
      await this.settle();
      while (this.ioPending > 0) {
        const waited = real.performanceNow();
        await new Promise<void>((resolve) => (this.ioIdle = resolve));
        this.ioIdle = undefined;
        this.ioWaitMs += real.performanceNow() - waited;
        await this.settle();
      }
      if (done()) return true;
      let t = this.heap.pop();
      while (t?.cancelled) t = this.heap.pop();
      if (!t) return done();
      if (t.due > limit) {
        this.heap.push(t);
        return false;
      }
      if (t.due > this.nowMs) this.nowMs = t.due;
      if (t.interval !== undefined) {
        t.due = this.nowMs + t.interval;
        t.seq = ++this.seq;
        this.heap.push(t);
      } else {
        this.byId.delete(t.id);
      }
      this.fired++;
      t.fn();
    }
  }
}
