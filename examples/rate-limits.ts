// Rate-limit headers as data, and client-side limits (docs/rate-limits.md).
// Offline: the headers are written out here and the calls answer at once.
// Run: npx tsx examples/rate-limits.ts
import type OpenAI from 'openai';
import { ResilientClient, parseRateLimitHeaders, withRunOptions } from 'llm-resilience';
import type { RateLimitInfo as Exported, RateLimitWindow as ExportedWindow } from 'llm-resilience';

// The shape as docs/rate-limits.md shows it; the checks below fail the
// typecheck if it and the exported types drift apart.
interface RateLimitWindow {
  readonly limit?: number;
  readonly remaining?: number;
  readonly resetAt?: number; // clock time (epoch ms) at which remaining is back to limit
}
interface RateLimitInfo {
  readonly requests?: RateLimitWindow;
  readonly tokens?: RateLimitWindow;       // OpenAI tokens per minute; Anthropic combined tokens
  readonly inputTokens?: RateLimitWindow;  // Anthropic only
  readonly outputTokens?: RateLimitWindow; // Anthropic only
  readonly observedAt: number;             // clock time the headers were read
}
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const shapesMatch: [Same<RateLimitInfo, Exported>, Same<RateLimitWindow, ExportedWindow>, Same<keyof RateLimitInfo, keyof Exported>] = [true, true, true];

// The recommended set-up is the default one: no `limits` at all. Admission follows
// each model's rate-limit headers (the provider wrappers report them for you).
export function createClient(): ResilientClient {
  return new ResilientClient({ models: ['gpt-4.1', 'gpt-4.1-mini'] });
}

// Optional: limits you know before the first response arrives (your tier), or a
// share of the provider's limit for this process. Everything else keeps its default.
export function createLimitedClient(): ResilientClient {
  return new ResilientClient({
    models: ['gpt-4.1', 'gpt-4.1-mini'],
    limits: {
      models: { 'gpt-4.1': { maxConcurrent: 4, requestsPerMinute: 500, tokensPerMinute: 30_000 } },
      // Left at their defaults: maxWaitMs (60 s, the longest wait when no model has room, then
      // NoCapacityError) and maxQueue (128 calls waiting per model, then QueueFullError). Setting
      // maxWaitMs, even to 60_000, also stops the client holding calls to learn your callers' patience.
    }
  });
}

// Several workers on one key, each with its own client and nothing shared (no Redis): say how
// many, so each takes its equal part of the limits while the others are busy.
export function createWorkerClient(workers: number): ResilientClient {
  return new ResilientClient({
    models: ['gpt-4.1', 'gpt-4.1-mini'],
    limits: { processes: workers, models: { 'gpt-4.1': { requestsPerMinute: 500, tokensPerMinute: 30_000 } } },
  });
}

// Over capacity, a task's next calls go before the first calls of new tasks, and new tasks are
// refused early, when each call says which task it belongs to.
export async function answerTicket(client: ResilientClient, openai: OpenAI, ticket: string): Promise<string> {
  const taskId = `ticket:${ticket}`;
  const ask = (content: string) =>
    client.run(({ model, signal }) => openai.chat.completions.create({ model, messages: [{ role: 'user', content }] }, { signal }), { taskId });
  const plan = await ask(`Plan an answer to ticket ${ticket}.`);
  const answer = await ask(`Write the answer following this plan: ${plan.choices[0]?.message.content}`);
  return answer.choices[0]?.message.content ?? '';
}

// When your caller gives up after a known time, pass that deadline with the call (here a wrapped
// SDK, `wrapOpenAI(new OpenAI(), client)`): admission then waits up to it, earliest deadline first,
// and refuses at once a call that could not finish in time.
export async function summarise(openai: OpenAI, text: string): Promise<string> {
  const res = await openai.chat.completions.create(
    { model: 'gpt-4.1', messages: [{ role: 'user', content: `Summarise: ${text}` }] },
    withRunOptions({ deadlineMs: 120_000 }, { signal: AbortSignal.timeout(120_000) }),
  );
  return res.choices[0]?.message.content ?? '';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const openai: RateLimitInfo | undefined = parseRateLimitHeaders(
    new Headers({ 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '499', 'x-ratelimit-reset-requests': '120ms', 'x-ratelimit-remaining-tokens': 'lots' }),
    now,
  );
  console.log('OpenAI   ', JSON.stringify(openai)); // `lots` is dropped, nothing throws
  const anthropic = parseRateLimitHeaders(
    { 'anthropic-ratelimit-input-tokens-remaining': '0', 'anthropic-ratelimit-input-tokens-reset': '2026-01-01T12:00:30Z' },
    now,
  );
  console.log('Anthropic', JSON.stringify(anthropic));

  const client = createLimitedClient();
  const served: Record<string, number> = {};
  let inFlight = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 10 }, () =>
      client.run(async ({ model }) => {
        if (model === 'gpt-4.1') most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (model === 'gpt-4.1') inFlight--;
        served[model] = (served[model] ?? 0) + 1;
        return model;
      }),
    ),
  );
  // gpt-4.1 takes 4 at once (maxConcurrent: 4); the rest spill to gpt-4.1-mini instead of queueing.
  console.log(`10 calls: ${JSON.stringify(served)}, at most ${most} in flight on gpt-4.1`);
  client.dispose();
  createClient().dispose();
}
