import { describe, expect, it } from 'vitest';
import { type ConfigError, ResilientClient, isConfigError } from '../../src/index.js';
import { resilienceMiddleware } from '../../src/providers/ai-sdk.js';
import { wrapAnthropic } from '../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../src/providers/openai.js';
import { withRunOptions } from '../../src/providers/run-options.js';
import { createFakeClock } from '../../src/testing/index.js';

// A misspelt run option dropped in silence bypasses what it asked for (a
// `taskid` escapes the per-task budget): every road refuses unknown keys.

async function refusal(call: () => unknown): Promise<ConfigError> {
  const err = await Promise.resolve()
    .then(call)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(isConfigError(err)).toBe(true);
  return err as ConfigError;
}

const messages = [{ role: 'user', content: 'hi' }];

function setup() {
  const client = new ResilientClient({ models: ['m'], clock: createFakeClock(), monitor: false });
  const sent: unknown[] = [];
  const create = async (body: unknown) => {
    sent.push(body);
    return { id: 'x', usage: { prompt_tokens: 1, completion_tokens: 1 } };
  };
  return { client, sent, create };
}

describe('wrapped calls refuse unknown run options', () => {
  it('withRunOptions: at once, naming the key and the closest known one', () => {
    const err = (() => {
      try {
        withRunOptions({ taskid: 'ticket-42' } as never);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(isConfigError(err)).toBe(true);
    expect(err!.issues).toEqual([{ path: 'run.taskid', message: 'unknown option, did you mean `taskId`?' }]);
  });

  it('withRunOptions: keys of client.run the wrapper owns, nested estimate keys, and several at once', () => {
    expect(() => withRunOptions({ models: ['b'] } as never)).toThrow(/run\.models: unknown option \(a wrapped call reads only taskId, estimate, timeoutMs, stream/);
    expect(() => withRunOptions({ estimate: { inputToken: 5 } } as never)).toThrow('run.estimate.inputToken: unknown option, did you mean `inputTokens`?');
    expect(() => withRunOptions({ timeout: 5, zzzz: 1 } as never)).toThrow('run.timeout: unknown option, did you mean `timeoutMs`?; run.zzzz: unknown option');
    expect(() => withRunOptions({ taskId: 't', estimate: undefined, timeoutMs: undefined, stream: undefined })).not.toThrow();
  });

  it('wrapOpenAI / wrapAnthropic: the runOptions hook and a hand-built request option, before anything is sent', async () => {
    const { client, sent, create } = setup();
    const openai = wrapOpenAI({ chat: { completions: { create } } }, client, { runOptions: () => ({ taskid: 'a' }) as never });
    const e1 = await refusal(() => openai.chat.completions.create({ model: 'm', messages }));
    expect(e1.issues[0]).toEqual({ path: 'run.taskid', message: 'unknown option, did you mean `taskId`?' });
    const anthropic = wrapAnthropic({ messages: { create } }, client);
    const handBuilt = { [Symbol.for('llm-resilience.runOptions')]: { taskID: 'a' } };
    const e2 = await refusal(() => (anthropic.messages.create as (b: unknown, o: unknown) => unknown)({ model: 'm', max_tokens: 5, messages }, handBuilt));
    expect(e2.issues[0]!.message).toBe('unknown option, did you mean `taskId`?');
    expect(sent).toEqual([]);
    client.dispose();
  });

  it('resilienceMiddleware: provider options under "llm-resilience"', async () => {
    const { client } = setup();
    let called = 0;
    const model = {
      modelId: 'm',
      doGenerate: async () => {
        called++;
        return { content: [] };
      },
      doStream: async () => ({ stream: new ReadableStream() }),
    };
    const middleware = resilienceMiddleware(client);
    const params = { prompt: [], providerOptions: { 'llm-resilience': { taskid: 'a' } } };
    const err = await refusal(() => middleware.wrapGenerate({ doGenerate: model.doGenerate, doStream: model.doStream, params, model } as never));
    expect(err.issues[0]!.path).toBe('run.taskid');
    expect(called).toBe(0);
    client.dispose();
  });

  it('withRunOptions({ deadlineMs }): the whole call ends by it, whatever the SDK request timeout (one attempt\'s) says', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['m', 'n'], clock, monitor: false });
    const tried: string[] = [];
    // Never answers; ends when the attempt's signal aborts.
    const create = (body: { model: string; messages: unknown }, o?: { signal?: AbortSignal; timeout?: number }) => {
      tried.push(body.model);
      return new Promise((_resolve, reject) => o?.signal?.addEventListener('abort', () => reject(o.signal!.reason)));
    };
    const openai = wrapOpenAI({ chat: { completions: { create } } }, client);
    const call = openai.chat.completions.create({ model: 'm', messages }, withRunOptions({ deadlineMs: 1_000 }, { timeout: 60_000 })).catch((e: unknown) => e);
    await clock.advance(1_000);
    const err = (await call) as { failures?: { model: string; reason: string }[] };
    expect(err.failures).toEqual([expect.objectContaining({ model: 'm', reason: 'deadline' }), expect.objectContaining({ model: 'n', reason: 'deadline' })]);
    expect(tried).toEqual(['m']); // no time was left to start the backup
    client.dispose();
  });
});
