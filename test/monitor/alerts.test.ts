import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/errors/errors.js';
import { Monitor } from '../../src/monitor/monitor.js';
import { createFakeClock } from '../../src/testing/index.js';
import { setup } from './helpers.js';

describe('alerts', () => {
  it('raises breaker_open once per cooldown, then again after it', async () => {
    const { clock, monitor, of } = setup({ alerts: { cooldownMs: 60_000 } });
    monitor.recordBreaker('m', 'open');
    monitor.recordBreaker('m', 'half-open');
    monitor.recordBreaker('m', 'open');
    expect(of('alert').filter((a) => a.rule === 'breaker_open')).toHaveLength(1);
    await clock.advance(59_999);
    monitor.recordBreaker('m', 'half-open');
    monitor.recordBreaker('m', 'open');
    expect(of('alert').filter((a) => a.rule === 'breaker_open')).toHaveLength(1);
    await clock.advance(1);
    monitor.recordBreaker('m', 'half-open');
    monitor.recordBreaker('m', 'open');
    const alerts = of('alert').filter((a) => a.rule === 'breaker_open');
    expect(alerts).toHaveLength(2);
    expect(alerts[1]).toMatchObject({ level: 'error', key: 'breaker_open:m', model: 'm' });
  });

  it('keys are per model: another model alerts during the first one\'s cooldown', () => {
    const { monitor, of } = setup();
    monitor.recordBreaker('a', 'open');
    monitor.recordBreaker('b', 'open');
    expect(of('alert').filter((a) => a.rule === 'breaker_open').map((a) => a.model)).toEqual(['a', 'b']);
  });

  it('raises rate_limits after count rate limits within the window, not when they are spread out', async () => {
    const { clock, monitor, of } = setup({ alerts: { rules: { rateLimits: { count: 3, windowMs: 10_000 } } } });
    for (let i = 0; i < 3; i++) {
      monitor.recordAttempt('m', 'rate_limited', 5);
      await clock.advance(6_000);
    }
    expect(of('alert').filter((a) => a.rule === 'rate_limits')).toHaveLength(0);
    monitor.recordAttempt('m', 'rate_limited', 5);
    monitor.recordAttempt('m', 'rate_limited', 5);
    const [a] = of('alert').filter((x) => x.rule === 'rate_limits');
    expect(a).toMatchObject({ level: 'warning', key: 'rate_limits:m', message: 'm was rate limited 3 times within 10 s' });
  });

  it('raises budget at 90% as warning and at 100% as error, each deduped by scope', () => {
    const { monitor, of } = setup();
    monitor.recordBudget('daily', 0.5);
    monitor.recordBudget('daily', 0.92);
    monitor.recordBudget('daily', 0.95);
    monitor.recordBudget('daily', 1.01);
    monitor.recordBudget('task:7', 0.9);
    const budget = of('alert').filter((a) => a.rule === 'budget');
    expect(budget.map((a) => [a.scope, a.level])).toEqual([['daily', 'warning'], ['daily', 'error'], ['task:7', 'warning']]);
    expect(budget[0]!.message).toBe('Budget daily at 92% (alert at 90%)');
    expect(monitor.snapshot().budgets.map((b) => [b.scope, b.fraction])).toEqual([['daily', 1.01], ['task:7', 0.9]]);
  });

  it('reports a refused call as a refusal at the real fraction, not as 100%', () => {
    const { monitor, of } = setup();
    monitor.recordBudget('model:big', 0.947, 'big');
    monitor.recordBudget('model:big', 0.947, 'big'); // within the cooldown: one alert
    const budget = of('alert').filter((a) => a.rule === 'budget');
    expect(budget).toHaveLength(1);
    expect(budget[0]).toMatchObject({ level: 'error', scope: 'model:big', model: 'big', value: 0.947, message: 'Budget model:big had no room for a call to big at 94.7% used' });
    expect(monitor.snapshot().budgets).toEqual([{ scope: 'model:big', fraction: 0.947, refused: 2, updatedAt: expect.any(Number) }]);
  });

  it('never puts a credential-looking scope into an alert', () => {
    const { monitor, of } = setup();
    monitor.recordBudget('sk-proj-abcdefghijklmnop', 0.99);
    expect(JSON.stringify(of('alert'))).not.toContain('abcdefghijklmnop');
  });

  it('a rule set to false stays silent; a rule level is configurable', () => {
    const { monitor, of } = setup({ alerts: { rules: { breakerOpen: false, unhealthy: { level: 'critical' } } } });
    monitor.recordBreaker('m', 'open');
    expect(of('alert').map((a) => [a.rule, a.level])).toEqual([['unhealthy', 'critical']]);
  });

  it('raises long_running from one shared watchdog timer, and holds no timer when idle', async () => {
    const { clock, monitor, of } = setup({ alerts: { rules: { longRunning: { thresholdMs: 30_000 } } } });
    const a = monitor.startCall('a');
    await clock.advance(10_000);
    const b = monitor.startCall('b');
    monitor.startCall('c');
    expect(clock.pending()).toBe(1);
    await clock.advance(20_000);
    expect(of('alert').map((x) => x.model)).toEqual(['a']);
    monitor.endCall(a);
    await clock.advance(10_000);
    expect(of('alert').map((x) => x.model)).toEqual(['a', 'b', 'c']);
    expect(of('alert')[1]).toMatchObject({ rule: 'long_running', value: 30_000, threshold: 30_000 });
    expect(monitor.snapshot().models.find((m) => m.model === 'c')).toMatchObject({ inFlight: 1, oldestInFlightMs: 30_000 });
    monitor.endCall(b);
    monitor.endCall(2);
    expect(clock.pending()).toBe(0);
    expect(monitor.snapshot().models.find((m) => m.model === 'c')!.inFlight).toBe(0);
  });

  it('a call with its own deadline shorter than the threshold is counted in flight but arms no watchdog', async () => {
    const { clock, monitor, of } = setup({ alerts: { rules: { longRunning: { thresholdMs: 30_000 } } } });
    const bounded = monitor.startCall('a', undefined, 10_000);
    expect(clock.pending()).toBe(0);
    expect(monitor.snapshot().models.find((m) => m.model === 'a')!.inFlight).toBe(1);
    // A deadline as long as the threshold (or none) is watched as before.
    monitor.startCall('b', undefined, 30_000);
    expect(clock.pending()).toBe(1);
    await clock.advance(30_000);
    expect(of('alert').map((x) => x.model)).toEqual(['b']);
    monitor.endCall(bounded);
  });

  it('dispose clears the watchdog timer', () => {
    const { clock, monitor } = setup();
    monitor.startCall('a');
    expect(clock.pending()).toBe(1);
    monitor.dispose();
    expect(clock.pending()).toBe(0);
  });
});

describe('options', () => {
  it('throws ConfigError naming path, expectation and value', () => {
    const clock = createFakeClock();
    const bad = (o: unknown) => {
      try {
        new Monitor(o as never, { clock });
      } catch (e) {
        expect(isConfigError(e)).toBe(true);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad({ health: { windowMs: 120_000 } })).toContain('monitor.health.windowMs: expected one of the windows (60000, 300000, 3600000), received 120000');
    expect(bad({ health: { degraded: { errorRate: 2 } } })).toContain('monitor.health.degraded.errorRate: expected a fraction between 0 and 1, received 2');
    expect(bad({ alerts: { rules: { budget: { threshold: -1 } } } })).toContain('monitor.alerts.rules.budget.threshold: expected a fraction between 0 and 1, received -1');
    expect(bad({ routing: 'random' })).toContain("monitor.routing: expected 'fixed', 'healthiest' or 'fastest', received \"random\"");
    expect(bad({ windowz: [] })).toContain('monitor.windowz: unknown option');
    expect(bad({ health: { degraded: { errorRate: 0.5 } } })).toContain('expected at most the unhealthy threshold (0.3)');
  });
});

describe('the long-running watchdog on a clock that can hold a timer without keeping the process alive', () => {
  /** The fake clock with the system clock's `keepAlive` capability, counting the timers armed. */
  function holdingClock() {
    const fake = createFakeClock();
    let armed = 0;
    const clock = {
      now: () => fake.now(),
      setTimeout: (fn: () => void, ms: number) => {
        armed++;
        return fake.setTimeout(fn, ms);
      },
      clearTimeout: (h: Parameters<typeof fake.clearTimeout>[0]) => fake.clearTimeout(h),
      keepAlive: () => {},
    };
    return { fake, clock, armed: () => armed };
  }

  it('stays armed through idle moments, so sequential calls arm it once, and lapses when it fires with nothing in flight', async () => {
    const { fake, clock, armed } = holdingClock();
    const events: unknown[] = [];
    const monitor = new Monitor({ alerts: { rules: { longRunning: { thresholdMs: 30_000 } } } }, { clock, events: { wants: () => true, emit: (_n, p) => void events.push(p) } });
    for (let i = 0; i < 5; i++) {
      monitor.endCall(monitor.startCall('m'));
      await fake.advance(1_000);
    }
    expect(armed()).toBe(1);
    expect(fake.pending()).toBe(1);
    await fake.advance(30_000);
    expect(fake.pending()).toBe(0); // fired with nothing in flight: not re-armed
    expect(events).toEqual([]);
    monitor.dispose();
  });

  it('still flags a call at its own threshold when the timer armed for an earlier call fires first', async () => {
    const { fake, clock, armed } = holdingClock();
    const alerts: { model: string; value: number }[] = [];
    const monitor = new Monitor({ alerts: { rules: { longRunning: { thresholdMs: 30_000 } } } }, { clock, events: { wants: () => true, emit: (n, p) => void (n === 'alert' && alerts.push(p as never)) } });
    monitor.endCall(monitor.startCall('a')); // arms for t0 + 30 s and leaves it armed
    await fake.advance(10_000);
    monitor.startCall('b'); // due at t0 + 40 s: found by the sweep at t0 + 30 s, which re-arms for it
    expect(armed()).toBe(1);
    await fake.advance(20_000);
    expect(alerts).toEqual([]);
    await fake.advance(10_000);
    expect(alerts.map((a) => [a.model, a.value])).toEqual([['b', 30_000]]);
    expect(armed()).toBe(2);
    monitor.dispose();
    expect(fake.pending()).toBe(0);
  });

  it('re-arms for a call whose threshold comes before the armed timer (a clock set back)', async () => {
    const { fake, clock } = holdingClock();
    const alerts: { model: string }[] = [];
    const monitor = new Monitor({ alerts: { rules: { longRunning: { thresholdMs: 30_000 } } } }, { clock, events: { wants: () => true, emit: (n, p) => void (n === 'alert' && alerts.push(p as never)) } });
    const t0 = fake.now();
    monitor.endCall(monitor.startCall('a', t0 + 60_000)); // started "later": the timer is due at t0 + 90 s
    monitor.startCall('b', t0);
    await fake.advance(30_000);
    expect(alerts.map((a) => a.model)).toEqual(['b']);
    monitor.dispose();
  });
});
