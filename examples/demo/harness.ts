/**
 * The demo's stage: one fake clock, one scripted provider, a printer that
 * shows every event as it is emitted, and a per-model tally for the summary
 * table. Sections (see ../demo.ts) only script the provider and make requests.
 */
import {
  ResilientClient,
  type AttemptFn,
  type ResilienceEventName,
  type ResilienceEvents,
  type ResilientClientOptions,
  type RunOptions,
} from 'llm-resilience';
import { createFakeClock, createFakeProvider, type FakeClock, type FakeProvider, type FakeResponse } from 'llm-resilience/testing';

export type DemoClientOptions = Omit<ResilientClientOptions, 'clock' | 'random'>;

export interface ModelTally {
  calls: number;
  successes: number;
  failures: number;
  refused: number;
  retries: number;
  fallbacksOut: number;
  breakerOpens: number;
}

export interface Demo {
  readonly clock: FakeClock;
  readonly provider: FakeProvider;
  /** Every client the sections made, in order. */
  readonly clients: readonly ResilientClient[];
  /** A client on the demo's clock and seeded randomness, with the printer attached. */
  client(options: DemoClientOptions): ResilientClient;
  /** Runs one request through `client`, moving the fake clock until it settles. */
  request(client: ResilientClient, label: string, options?: RunOptions): Promise<FakeResponse | undefined>;
  /** Like `request`, with your own function instead of the scripted provider; `describe` turns the result into the `→` line. */
  run<T>(client: ResilientClient, label: string, fn: AttemptFn<T>, options?: RunOptions, describe?: (value: T) => string): Promise<T | undefined>;
  /** Runs `work` (e.g. reading a stream) while moving the fake clock from timer to timer until it settles. */
  drive<T>(work: Promise<T>, label: string): Promise<T>;
  /** Prints text as is, without a timestamp. */
  print(text: string): void;
  /** Lets `ms` pass on the fake clock. */
  wait(ms: number): Promise<void>;
  heading(title: string): void;
  note(text: string): void;
  /** Prints the summary table; disposes every client unless the demo runs in real time (then `close` does). */
  finish(): void;
  /** Stops the real-time clock and disposes every client. */
  close(): void;
}

/** mulberry32: a tiny seeded PRNG, so jittered backoff prints the same delays on every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

type Formatters = { [K in ResilienceEventName]?: (e: ResilienceEvents[K]) => string | undefined };

/**
 * One line per event. Events without a formatter are not printed; sections
 * added later (budget, monitor, streams) add theirs here.
 */
const FORMAT: Formatters = {
  success: (e) => `ok        ${e.model} attempt ${e.attempt} in ${e.latencyMs} ms`,
  failure: (e) =>
    e.kind === 'circuit_open'
      ? `refused   ${e.model}: breaker open, provider not called`
      : `failed    ${e.model} attempt ${e.attempt}: ${e.kind}${e.status !== undefined ? ` (${e.status})` : ''} after ${e.latencyMs} ms`,
  retry: (e) =>
    `retry     ${e.model} attempt ${e.attempt} → wait ${secs(e.delayMs)} (${e.reason}, ${
      e.retryAfterMs !== undefined ? `retry-after ${e.retryAfterMs / 1000}s` : 'backoff'
    })`,
  'breaker:open': (e) => `breaker   ${e.model} OPEN: calls refused, probe allowed in ${secs(e.retryAfterMs ?? 0)}`,
  'breaker:half-open': (e) => `breaker   ${e.model} HALF-OPEN: this call is the probe`,
  'breaker:close': (e) => `breaker   ${e.model} CLOSED`,
  fallback: (e) => `fallback  ${e.from} → ${e.to} (${e.reason})`,
  exhausted: (e) => `exhausted ${e.failures.map((f) => `${f.model} (${f.reason})`).join(', ')}`,
  'budget:warning': (e) => `budget    ${e.key}: ${Math.round(e.threshold * 100)}% threshold reached (${amount(e.unit, e.used)} of ${amount(e.unit, e.limit)})`,
  'budget:exceeded': (e) =>
    `budget    ${e.key} EXCEEDED for ${e.model}: ${amount(e.unit, e.used)} used + ${amount(e.unit, e.requested)} requested > ${amount(e.unit, e.limit)} → ${e.action}`,
  'health:change': (e) => `health    ${e.model} ${e.from} → ${e.to}${e.reasons.length ? ` (${e.reasons.join('; ')})` : ''}`,
  anomaly: (e) => `anomaly   ${e.model} ${e.metric} ${e.value.toFixed(2)} vs baseline ${e.baseline.toFixed(2)} (${e.method})`,
  alert: (e) => `alert     ${e.level} [${e.rule}] ${e.message}`,
  'stream:committed': (e) => `stream    ${e.model} attempt ${e.attempt} committed: first token after ${e.ttftMs ?? '?'} ms (${e.bufferedChunks} chunks released together)`,
  'stream:failed': (e) => `stream    ${e.model} FAILED after ${e.chunks} chunks: ${e.kind}`,
  'stream:end': (e) =>
    `stream    ${e.model} ${e.outcome}: ${e.chunks} chunks in ${e.durationMs} ms${e.usage ? ` (${e.usage.inputTokens} in / ${e.usage.outputTokens} out tokens)` : ''}`,
};

function amount(unit: 'tokens' | 'usd', n: number): string {
  return unit === 'usd' ? `$${n.toFixed(4)}` : `${n} tokens`;
}

export interface DemoHooks {
  /** Called with every client the demo creates (the dashboard mode shows them all). */
  readonly onClient?: (client: ResilientClient) => void;
  /**
   * Real time: the fake clock starts at the wall-clock time and follows it,
   * `speed` fake seconds per real second, so a person can watch the story (the
   * event times and the dashboard then share one time base). Without it the
   * story jumps from timer to timer and takes a fraction of a second.
   */
  readonly realTime?: { readonly speed: number };
}

/** Moves `clock` along with the wall clock, `speed` times as fast, until stopped. */
function follow(clock: FakeClock, speed: number): () => void {
  let running = true;
  const origin = clock.now();
  const started = Date.now();
  void (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 25));
      const target = origin + (Date.now() - started) * speed;
      if (running && target > clock.now()) await clock.advance(target - clock.now());
    }
  })();
  return () => void (running = false);
}

export function createDemo(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`), hooks: DemoHooks = {}): Demo {
  const real = hooks.realTime;
  const clock = createFakeClock(real ? { start: Date.now() } : {});
  const stop = real ? follow(clock, real.speed) : () => {};
  /** Resolves once `done()` holds, the real-time clock moving meanwhile. */
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise((r) => setTimeout(r, 10));
  };
  const start = clock.now();
  const provider = createFakeProvider(clock);
  const random = seededRandom(42);
  const clients: ResilientClient[] = [];
  const tallies = new Map<string, ModelTally>();

  const stamp = () => `+${secs(clock.now() - start)}`.padStart(7);
  const line = (text: string) => write(`${stamp()}  ${text}`);
  const tally = (model: string): ModelTally => {
    let t = tallies.get(model);
    if (!t) {
      t = { calls: 0, successes: 0, failures: 0, refused: 0, retries: 0, fallbacksOut: 0, breakerOpens: 0 };
      tallies.set(model, t);
    }
    return t;
  };

  const attach = (client: ResilientClient) => {
    for (const name of Object.keys(FORMAT) as ResilienceEventName[]) {
      const format = FORMAT[name] as (e: unknown) => string | undefined;
      client.on(name, (e) => {
        const text = format(e);
        if (text !== undefined) line(text);
      });
    }
    client.on('success', (e) => {
      tally(e.model).calls++;
      tally(e.model).successes++;
    });
    client.on('failure', (e) => {
      if (e.kind === 'circuit_open') {
        tally(e.model).refused++;
        return;
      }
      tally(e.model).calls++;
      tally(e.model).failures++;
    });
    client.on('retry', (e) => void tally(e.model).retries++);
    client.on('fallback', (e) => void tally(e.from).fallbacksOut++);
    client.on('breaker:open', (e) => void tally(e.model).breakerOpens++);
  };

  return {
    clock,
    provider,
    clients,
    client(options) {
      const client = new ResilientClient({ ...options, clock, random });
      for (const m of client.models) tally(m);
      attach(client);
      clients.push(client);
      hooks.onClient?.(client);
      return client;
    },
    request(client, label, options) {
      return this.run(client, label, provider.call, options, (value) => `answered by ${value.model}`);
    },
    async run(client, label, fn, options, describe) {
      line(`── ${label}`);
      const result = await this.drive(
        client.run(fn, options).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
        label,
      );
      if (result.ok) {
        line(`→ ${describe ? describe(result.value) : 'answered'}`);
        return result.value;
      }
      const err = result.error as Error;
      line(`→ failed: ${err.name}: ${err.message}`);
      return undefined;
    },
    async drive(work, label) {
      let settled = false;
      void work.then(
        () => (settled = true),
        () => (settled = true),
      );
      if (real) {
        await until(() => settled);
        return work;
      }
      await clock.flush();
      // Jump from timer to timer (backoff sleeps, latencies) until the work settles.
      while (!settled) {
        if (!(await clock.next()) && !settled) throw new Error(`demo: "${label}" is stuck with no timer pending`);
      }
      return work;
    },
    print(text) {
      write(text);
    },
    async wait(ms) {
      const target = clock.now() + ms;
      if (real) await until(() => clock.now() >= target);
      else await clock.advance(ms);
    },
    heading(title) {
      write(`\n${title}\n${'='.repeat(title.length)}`);
    },
    note(text) {
      line(`   ${text}`);
    },
    finish() {
      const rows = [...tallies.entries()];
      const head = ['model', 'calls', 'ok', 'failed', 'refused', 'retries', 'fallbacks out', 'breaker opens'];
      const body = rows.map(([m, t]) => [m, t.calls, t.successes, t.failures, t.refused, t.retries, t.fallbacksOut, t.breakerOpens].map(String));
      const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
      const fmt = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
      write('\nSummary (calls = requests that reached the provider; refused = turned away by an open breaker)');
      write(fmt(head));
      write(`|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
      for (const r of body) write(fmt(r));
      write(`\nFake-clock time elapsed: ${secs(clock.now() - start)}`);
      if (!real) this.close();
    },
    close() {
      stop();
      for (const c of clients) c.dispose();
    },
  };
}
