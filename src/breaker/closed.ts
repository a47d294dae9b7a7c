import type CircuitBreaker from 'opossum';

/** The part of an opossum breaker the closed-state path drives: its events and its public getters. */
type Engine = Pick<CircuitBreaker, 'emit' | 'stats' | 'volumeThreshold' | 'halfOpen' | 'warmUp' | 'open'>;

/** opossum's `errorFilter` for this engine: true when the failure says nothing about the provider (counted as a success). */
type Filter<E, N> = (engine: E, error: unknown, neutral: N) => boolean;

/**
 * A call through a breaker that is closed, without opossum's `fire()`
 * (decision record 0013). `fire()` builds its own promise and `.then/.catch`
 * chain, takes its semaphore and reads the system time twice per call; on a
 * closed breaker none of that changes what it counts or decides. Here opossum
 * still does all of the counting: the same events reach its own listeners at
 * the same moments — `fire` as the call starts, then `success`, or `failure`
 * (a filtered error: `success`) as it ends — so its rolling window holds
 * exactly what `fire()` would have put there. After a counted failure the
 * breaker opens by opossum 9's own rule (`fail` in its `circuit.js`), applied
 * through its public getters and `open()`.
 *
 * Latencies handed to opossum are 0: it keeps them only for its rolling
 * percentiles, which the breaker turns off (the monitor keeps latency).
 */
export function fireClosed<T, E extends Engine, N>(engine: E, thunk: () => Promise<T>, neutral: N, filter: Filter<E, N>, errorThresholdPercentage: number): Promise<T> {
  engine.emit('fire');
  let pending: Promise<T>;
  try {
    pending = thunk();
  } catch (error) {
    return failed(engine, error, filter(engine, error, neutral), errorThresholdPercentage);
  }
  return pending.then(
    (value) => {
      engine.emit('success', value, 0);
      return value;
    },
    (error: unknown) => failed(engine, error, filter(engine, error, neutral), errorThresholdPercentage),
  );
}

function failed(engine: Engine, error: unknown, filtered: boolean, errorThresholdPercentage: number): Promise<never> {
  if (filtered) engine.emit('success', error, 0);
  else {
    engine.emit('failure', error, 0);
    if (!engine.warmUp) {
      const stats = engine.stats;
      const halfOpen = engine.halfOpen;
      if ((stats.fires >= engine.volumeThreshold || halfOpen) && ((stats.failures / stats.fires) * 100 > errorThresholdPercentage || halfOpen)) engine.open();
    }
  }
  return Promise.reject(error);
}
