import { ResilientClient, type ResilienceEvents, type ResilientClientOptions } from '../../../src/index.js';
import { type FakeClock, createFakeClock } from '../../../src/testing/index.js';
import { type ProviderServer, startProviderServer } from './server.js';

/** A real macrotask pause, so loopback HTTP can make progress. Always far below the 50 ms ceiling. */
export const tick = (ms = 2) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Awaits `promise` while its pipeline runs: real time passes in small ticks for the
 * HTTP round trips, and whenever the pipeline is waiting on the fake clock (a
 * backoff, a Retry-After) that timer is fired at once. Only for tests without an
 * attempt timeout, whose timer would otherwise fire early.
 */
export async function drive<T>(promise: Promise<T>, clock: FakeClock, maxSteps = 500): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < maxSteps && !settled; i++) {
    await tick();
    if (!settled && clock.pending() > 0) await clock.next();
  }
  return promise;
}

export type EventLog = { name: keyof ResilienceEvents; payload: Record<string, unknown> }[];

export interface Harness {
  readonly clock: FakeClock;
  readonly server: ProviderServer;
  readonly client: ResilientClient;
  readonly events: EventLog;
  readonly t0: number;
  /** Fake-clock times of the requests that reached the server, relative to the start. */
  times(model?: string): number[];
}

export async function harness(models: ResilientClientOptions['models'], options: Partial<ResilientClientOptions> = {}): Promise<Harness> {
  const clock = createFakeClock();
  const server = await startProviderServer({ now: () => clock.now() });
  // The monitor's long-running-call watchdog is a pending fake timer that `drive` would fire; these tests are about the pipeline.
  // preferFallback off: these tests check our retries against the real SDKs; by default a 5xx would go straight to the next model.
  const client = new ResilientClient({ models, clock, random: () => 0.5, retry: { jitter: 'none', initialDelayMs: 100, maxRetries: 2, preferFallback: false }, monitor: false, ...options });
  const events: EventLog = [];
  for (const name of ['attempt', 'success', 'failure', 'retry', 'fallback', 'exhausted'] as const) {
    client.on(name, (payload) => events.push({ name, payload: payload as unknown as Record<string, unknown> }));
  }
  const t0 = clock.now();
  return {
    clock,
    server,
    client,
    events,
    t0,
    times: (model) => (model ? server.requestsTo(model) : server.requests).map((r) => r.at - t0),
  };
}

/**
 * The harness client as a runner that counts the attempts that really ran the SDK
 * call: when every request the server saw is one of them, nothing bypassed the pipeline.
 */
export function countingRunner(client: ResilientClient) {
  let ran = 0;
  const runner = {
    get models() {
      return client.models;
    },
    providerOf: (model: string) => client.providerOf(model),
    run: <T>(fn: Parameters<ResilientClient['run']>[0], options?: Parameters<ResilientClient['run']>[1]) =>
      client.run((ctx) => {
        ran++;
        return fn(ctx);
      }, options) as Promise<T>,
    get ran() {
      return ran;
    },
  };
  return runner;
}
