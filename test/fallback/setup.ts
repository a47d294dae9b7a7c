// A client on the fake clock around a scripted function, and the events a fallback test reads.
import { ResilientClient, type ResilienceEvents } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

export type Fn = (model: string, n: number) => unknown;
export function setup(models: string[], behave: Fn, options: Partial<ConstructorParameters<typeof ResilientClient>[0]> = {}) {
  const clock = createFakeClock();
  const client = new ResilientClient({ models, clock, random: () => 0.5, ...options });
  const calls: string[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: payloads of several events in one list; each test reads its own event's fields
  const events: { name: keyof ResilienceEvents; payload: any }[] = [];
  for (const name of ['fallback', 'retry', 'failure', 'breaker:open'] as const) client.on(name, (payload) => events.push({ name, payload }));
  const fn = async ({ model }: { model: string }) => {
    calls.push(model);
    const r = behave(model, calls.filter((m) => m === model).length);
    if (r instanceof Error) throw r;
    return r;
  };
  return { clock, client, calls, events, fn };
}
