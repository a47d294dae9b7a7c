import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Monitor } from '../../src/monitor/monitor.js';
import { createFakeClock } from '../../src/testing/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Fills every bucket of every window of `models` models with a spread of latencies. */
function fill(monitor: Monitor, clock: ReturnType<typeof createFakeClock>, models: number, perBucket: number) {
  // 1 h at 10 s steps touches every bucket of the 1m, 5m and 1h windows.
  for (let t = 0; t < 360; t++) {
    for (let m = 0; m < models; m++) {
      for (let k = 0; k < perBucket; k++) monitor.recordAttempt(`model-${m}`, k % 17 === 0 ? 'error' : 'success', 50 + ((k * 7919 + t * 104_729) % 60_000));
    }
    clock.set(clock.now() + 10_000);
  }
}

describe('monitor cost', () => {
  it('keeps memory per model bounded whatever the call rate', () => {
    const heapPerModel = (perBucket: number) => {
      const clock = createFakeClock();
      const monitor = new Monitor({}, { clock });
      gc();
      const before = process.memoryUsage().heapUsed;
      fill(monitor, clock, 50, perBucket);
      gc();
      const bytes = (process.memoryUsage().heapUsed - before) / 50;
      expect(monitor.snapshot().models).toHaveLength(50); // keeps the monitor alive through the measurement
      return bytes;
    };
    const low = heapPerModel(5);
    const high = heapPerModel(100);
    console.log(`heap per active model: ${Math.round(low / 1024)} KiB at 5 calls/bucket, ${Math.round(high / 1024)} KiB at 100 calls/bucket`);
    expect(high).toBeLessThan(256 * 1024);
    // 20× the calls must not mean 20× the memory: the sketch bins are bounded by the value range.
    expect(high).toBeLessThan(low * 3);
  });

  it('records an attempt in a few microseconds', () => {
    const clock = createFakeClock();
    const monitor = new Monitor({}, { clock });
    const n = 200_000;
    for (let i = 0; i < 20_000; i++) monitor.recordAttempt('warm', 'success', i % 5000);
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      monitor.recordAttempt('m', i % 20 === 0 ? 'error' : 'success', 100 + (i % 5000));
      if (i % 1000 === 0) clock.set(clock.now() + 1_000);
    }
    const nsPerCall = Number(process.hrtime.bigint() - start) / n;
    console.log(`recordAttempt: ${Math.round(nsPerCall)} ns per call`);
    expect(nsPerCall).toBeLessThan(20_000);
  });
});
