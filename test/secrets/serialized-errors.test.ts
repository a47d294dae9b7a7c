import { inspect } from 'node:util';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { type AllModelsFailedError, ResilientClient, StreamInterruptedError, isAllModelsFailedError } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

/**
 * Our errors carry provider errors (in `failures[].error` and `cause`). Those
 * hold the request's headers (the API key), the request body (the prompt) and
 * the response body (the completion). What our errors serialize by default —
 * `toJSON`, `util.inspect`, enumerable own fields, and pino's real `err`
 * serializer — must carry none of it, while the raw errors stay reachable.
 */
const KEY = 'sk-proj-Vt5Ww2Xx9Yy1Zz3';
const PROMPT = 'PROMPT-my-medical-history-4417';
const COMPLETION = 'COMPLETION-diagnosis-text-9923';
const LEAKS = [KEY.slice(8), 'Vt5Ww2', PROMPT, COMPLETION, 'Bearer'];

/** Shaped like the AI SDK's APICallError and an OpenAI APIError: every secret in an enumerable field. */
function providerErrors(): Error[] {
  const aiSdk = Object.assign(new Error('Bad Gateway'), {
    name: 'AI_APICallError',
    url: 'https://api.openai.com/v1/chat/completions',
    requestBodyValues: { model: 'gpt-4.1', messages: [{ role: 'user', content: PROMPT }] },
    statusCode: 502,
    responseHeaders: { 'x-request-id': 'req_1' },
    responseBody: JSON.stringify({ partial: COMPLETION }),
    isRetryable: true,
  });
  const openai = Object.assign(new Error('503 Service Unavailable'), {
    status: 503,
    headers: { authorization: `Bearer ${KEY}` },
    request: { headers: { Authorization: `Bearer ${KEY}`, 'x-api-key': KEY }, body: PROMPT },
    error: { message: 'overloaded', echo: COMPLETION },
  });
  return [aiSdk, openai];
}

function serializations(err: Error): Record<string, string> {
  const lines: string[] = [];
  const logger = pino({ base: undefined, timestamp: false }, { write: (l: string) => void lines.push(l) });
  logger.error({ err }, 'call failed');
  logger.error(err);
  return {
    json: JSON.stringify(err),
    inspect: inspect(err, { depth: 10 }),
    ownEnumerable: JSON.stringify(Object.fromEntries(Object.keys(err).map((k) => [k, (err as unknown as Record<string, unknown>)[k]]))),
    pino: lines.join('\n'),
    pinoStdSerializer: JSON.stringify(pino.stdSerializers.err(err)),
  };
}

async function exhausted(): Promise<AllModelsFailedError> {
  const errors = providerErrors();
  const client = new ResilientClient({ models: ['a', 'b'], clock: createFakeClock(), retry: false, monitor: false });
  let i = 0;
  const err = await client
    .run(() => {
      throw errors[i++];
    })
    .catch((e: unknown) => e);
  if (!isAllModelsFailedError(err)) throw new Error('expected AllModelsFailedError');
  return err;
}

describe('serialized errors carry no keys, headers, prompts or completions', () => {
  it('AllModelsFailedError, in every default serialization, pino included', async () => {
    const err = await exhausted();
    for (const [how, text] of Object.entries(serializations(err))) {
      for (const leak of LEAKS) expect(text, `${how} leaks ${leak}`).not.toContain(leak);
    }
    // Still useful: models, reasons, status and the provider's message are there.
    const json = JSON.parse(JSON.stringify(err));
    expect(json).toMatchObject({ name: 'AllModelsFailedError', code: 'ALL_MODELS_FAILED' });
    expect(json.failures).toEqual([
      { model: 'a', reason: 'server', error: { name: 'AI_APICallError', message: 'Bad Gateway', status: 502 } },
      { model: 'b', reason: 'server', error: { name: 'Error', message: '503 Service Unavailable', status: 503 } },
    ]);
    expect(serializations(err).pino).toContain('All models failed');
  });

  it('keeps the raw provider errors reachable for code that asks', async () => {
    const err = await exhausted();
    expect((err.failures[0]!.error as { requestBodyValues: unknown }).requestBodyValues).toBeDefined();
    expect(err.failures[1]!.error).toMatchObject({ status: 503 });
    expect(err.failures).toHaveLength(2);
  });

  it('StreamInterruptedError, in every default serialization', () => {
    const [cause] = providerErrors();
    const err = new StreamInterruptedError('m', 'server', { chunks: 3, ttftMs: 10, durationMs: 50, usage: undefined }, cause);
    for (const [how, text] of Object.entries(serializations(err))) {
      for (const leak of LEAKS) expect(text, `${how} leaks ${leak}`).not.toContain(leak);
    }
    expect(JSON.parse(JSON.stringify(err))).toMatchObject({ code: 'STREAM_INTERRUPTED', chunks: 3, cause: { name: 'AI_APICallError', status: 502 } });
    // `cause` reads through to the original: its class and every field, for code that asks.
    expect(err.cause).toBeInstanceOf(Error);
    expect((err.cause as { requestBodyValues: unknown }).requestBodyValues).toBe((cause as unknown as { requestBodyValues: unknown }).requestBodyValues);
  });
});
