import { describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/index.js';
import { wrapOpenAI } from '../../src/providers/openai.js';
import { createFakeClock } from '../../src/testing/index.js';

/**
 * A chat-completions endpoint shaped like the openai SDK's: `create` returns an
 * APIPromise whose `.withResponse()` resolves when the headers arrive (each
 * model's own request id), with a stream whose first chunk comes later.
 */
function sdk(clock: ReturnType<typeof createFakeClock>, timing: Record<string, { headersAt: number; firstChunkAt: number }>) {
  const at = (ms: number, signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      const t = clock.setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => (clock.clearTimeout(t), reject(signal.reason)), { once: true });
    });
  const create = (body: { model: string }, options?: { signal?: AbortSignal }) => {
    const { headersAt, firstChunkAt } = timing[body.model]!;
    const controller = new AbortController();
    options?.signal?.addEventListener('abort', () => controller.abort(options.signal!.reason), { once: true });
    const chunk = (content: string, finish: string | null) => ({ object: 'chat.completion.chunk', model: body.model, choices: [{ index: 0, delta: { content }, finish_reason: finish }] });
    const stream = {
      controller,
      async *[Symbol.asyncIterator]() {
        await at(firstChunkAt - headersAt, controller.signal);
        yield chunk(body.model, null);
        yield chunk('', 'stop');
      },
    };
    const response = new Response(null, { headers: { 'content-type': 'text/event-stream', 'x-request-id': `req_${body.model}` } });
    const withResponse = () => at(headersAt, options?.signal).then(() => ({ data: stream, response, request_id: `req_${body.model}` }));
    return Object.assign(withResponse().then((r) => r.data), { withResponse });
  };
  return { chat: { completions: { create } } };
}

describe("a hedged stream's .withResponse()", () => {
  it("returns the winner's Response and request id, even when the loser's headers came later", async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['primary', 'backup'], clock, hedge: { delayMs: 1_000 } });
    // The hedge's headers at 1,100 ms, the first model's at 1,200 ms; the hedge's first chunk at 1,300 ms wins.
    const openai = wrapOpenAI(sdk(clock, { primary: { headersAt: 1_200, firstChunkAt: 9_000 }, backup: { headersAt: 100, firstChunkAt: 300 } }) as never, client, { clock });
    const p = (openai as unknown as ReturnType<typeof sdk>).chat.completions.create({ model: 'primary', stream: true, messages: [] } as never) as unknown as {
      withResponse(): Promise<{ data: AsyncIterable<{ model: string }>; response: Response; request_id: string | null }>;
    };
    const result = p.withResponse();
    await clock.advance(1_300);
    const { data, response, request_id } = await result;
    const models: string[] = [];
    for await (const c of data) models.push(c.model);
    expect(models[0]).toBe('backup');
    expect(response.headers.get('x-request-id')).toBe('req_backup');
    expect(request_id).toBe('req_backup');
    client.dispose();
  });
});
