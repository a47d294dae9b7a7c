import { ResilientClient, type ResilienceEvents } from '../../src/index.js';
import { createFakeClock, type FakeClock } from '../../src/testing/index.js';

/** Each model answers after its latency on the fake clock, or fails; records whether its signal was aborted. */
export function setup(latency: Record<string, number | Error>, options: Partial<ConstructorParameters<typeof ResilientClient>[0]> = {}) {
  const clock = createFakeClock();
  const client = new ResilientClient({ models: ['primary', 'backup'], clock, random: () => 0.5, ...options });
  const calls: { model: string; signal: AbortSignal }[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: payloads of several events in one list; each test reads its own event's fields
  const events: { name: keyof ResilienceEvents; payload: any }[] = [];
  for (const name of ['hedge:started', 'hedge:won', 'hedge:cancelled', 'fallback', 'failure', 'limit:wait'] as const) client.on(name, (payload) => events.push({ name, payload }));
  const fn = ({ model, signal }: { model: string; signal: AbortSignal }) => {
    calls.push({ model, signal });
    const l = latency[model]!;
    if (l instanceof Error) return Promise.reject(l);
    // A well-behaved SDK: the request ends when its signal aborts.
    return new Promise((resolve, reject) => {
      const t = clock.setTimeout(() => resolve({ model, usage: { input_tokens: 10, output_tokens: 5 } }), l);
      signal.addEventListener('abort', () => {
        clock.clearTimeout(t);
        reject(signal.reason);
      });
    });
  };
  const names = () => events.map((e) => e.name).filter((n) => n.startsWith('hedge:'));
  return { clock, client, calls, events, fn, names };
}

export async function settle<T>(clock: FakeClock, p: Promise<T>, ms: number): Promise<T> {
  await clock.advance(ms);
  return p;
}

export const overloaded = () => Object.assign(new Error('Overloaded'), { status: 529, error: { type: 'error', error: { type: 'overloaded_error' } } });
