import { describe, expect, it } from 'vitest';
import { type AttemptContext, ResilientClient, type ResilienceEvents } from '../../src/index.js';
import { FakeAPIError, createFakeClock } from '../../src/testing/index.js';

const LIMITS = { 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '42', 'x-ratelimit-reset-requests': '1s' };

function setup(models: readonly string[] = ['primary', 'secondary'], retry?: false) {
  const clock = createFakeClock();
  const client = new ResilientClient({ models, clock, random: () => 0.5, ...(retry === false ? { retry } : {}) });
  const ratelimit: ResilienceEvents['ratelimit'][] = [];
  client.on('ratelimit', (e) => ratelimit.push(e));
  return { clock, client, ratelimit };
}

/**
 * Shaped like the `openai` / `@anthropic-ai/sdk` `APIPromise`: a Promise subclass
 * whose `then` parses the body, with `asResponse()` giving the raw `Response`
 * (headers, body unread) and `withResponse()` both. Counts body reads.
 */
class FakeAPIPromise<T> extends Promise<T> {
  static override get [Symbol.species]() {
    return Promise;
  }
  readonly #response: Promise<Response>;
  readonly #data: () => T;
  bodyReads = 0;
  #parsed: Promise<T> | undefined;

  constructor(response: Promise<Response>, data: () => T) {
    super((resolve) => resolve(undefined as T));
    this.#response = response;
    this.#data = data;
  }
  #parse(): Promise<T> {
    this.#parsed ??= this.#response.then(() => {
      this.bodyReads++;
      return this.#data();
    });
    return this.#parsed;
  }
  asResponse(): Promise<Response> {
    return this.#response;
  }
  async withResponse(): Promise<{ data: T; response: Response }> {
    const [data, response] = await Promise.all([this.#parse(), this.asResponse()]);
    return { data, response };
  }
  // biome-ignore lint/suspicious/noThenProperty: the SDK's APIPromise overrides then to parse the body
  override then<A = T, B = never>(onfulfilled?: ((v: T) => A | PromiseLike<A>) | null, onrejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.#parse().then(onfulfilled, onrejected);
  }
}

const apiPromise = <T>(data: T, headers: Record<string, string> = LIMITS) => new FakeAPIPromise(Promise.resolve(new Response('{}', { headers })), () => data);

describe('the attempt context', () => {
  it('works with every member destructured', async () => {
    const { client } = setup();
    const seen = await client.run(({ model, signal, attempt, taskId, reportHeaders, track }) => {
      reportHeaders(new Headers(LIMITS));
      const tracked = apiPromise('data');
      expect(track(tracked)).toBe(tracked);
      return { model, aborted: signal.aborted, attempt, taskId };
    }, { taskId: 't-1' });
    expect(seen).toEqual({ model: 'primary', aborted: false, attempt: 1, taskId: 't-1' });
    // A destructured reportHeaders reached the client (it used to lose `this` and do nothing).
    expect(client.rateLimits('primary')?.requests).toMatchObject({ limit: 100, remaining: 42 });
    client.dispose();
  });

  it('destructured members keep their attempt: each attempt reports for its own model', async () => {
    const { client } = setup();
    const reporters: AttemptContext['reportHeaders'][] = [];
    await client.run(({ model, reportHeaders }) => {
      reporters.push(reportHeaders);
      if (model === 'primary') throw new FakeAPIError(400, 'context_length_exceeded', { code: 'context_length_exceeded' });
      return 'ok';
    });
    expect(reporters).toHaveLength(2);
    reporters[0]!(new Headers({ 'x-ratelimit-remaining-requests': '7' }));
    expect(client.rateLimits('primary')?.requests?.remaining).toBe(7);
    expect(client.rateLimits('secondary')).toBeUndefined();
    client.dispose();
  });

  it('works destructured on the guarded path too (a timeout or a caller signal)', async () => {
    const { client } = setup();
    const controller = new AbortController();
    await client.run(({ reportHeaders }) => reportHeaders(new Headers(LIMITS)), { signal: controller.signal, timeoutMs: 1_000 });
    expect(client.rateLimits('primary')?.requests?.remaining).toBe(42);
    client.dispose();
  });
});

describe('headers of an SDK promise the function returns', () => {
  it('reads the rate-limit headers of an APIPromise; the caller gets the same value and the body is parsed once', async () => {
    const { client, ratelimit } = setup();
    const data = { id: 'x' };
    const pending = apiPromise(data);
    const value = await client.run(() => pending);
    expect(value).toBe(data);
    expect(pending.bodyReads).toBe(1);
    expect(client.rateLimits('primary')?.requests).toMatchObject({ limit: 100, remaining: 42 });
    expect(ratelimit).toHaveLength(1);
    expect(client.snapshot().limits.primary?.requests).toBeDefined();
    client.dispose();
  });

  it('also with a caller signal and a timeout', async () => {
    const { client } = setup();
    const value = await client.run(() => apiPromise(7), { signal: new AbortController().signal, timeoutMs: 5_000 });
    expect(value).toBe(7);
    expect(client.rateLimits('primary')?.requests?.remaining).toBe(42);
    client.dispose();
  });

  it('reads them through track() in an async function', async () => {
    const { client } = setup();
    const text = await client.run(async ({ track }) => {
      const completion = await track(apiPromise({ text: 'hi' }));
      return completion.text;
    });
    expect(text).toBe('hi');
    expect(client.rateLimits('primary')?.requests?.remaining).toBe(42);
    client.dispose();
  });

  it('leaves anything that is not an SDK promise alone', async () => {
    const { client } = setup();
    const odd = Object.assign(Promise.resolve('plain'), { withResponse: 3 });
    expect(await client.run(() => odd)).toBe('plain');
    const throwing = Object.assign(Promise.resolve('still'), {
      withResponse: () => Promise.reject(new Error('no')),
      asResponse: () => {
        throw new Error('boom');
      },
    });
    expect(await client.run(() => throwing)).toBe('still');
    expect(client.rateLimits('primary')).toBeUndefined();
    client.dispose();
  });
});

describe('headers of a thrown provider error', () => {
  const rateLimited = () => new FakeAPIError(429, '429 Rate limit exceeded', { headers: { ...LIMITS, 'x-ratelimit-remaining-requests': '0', 'retry-after-ms': '500' }, type: 'rate_limit_error' });

  it('reads the rate-limit headers of an error the function throws, not only retry-after', async () => {
    const { client, ratelimit } = setup();
    let n = 0;
    await client.run(() => {
      if (n++ === 0) throw rateLimited();
      return 'ok';
    });
    expect(client.rateLimits('primary')?.requests).toMatchObject({ limit: 100, remaining: 0 });
    expect(ratelimit.map((e) => e.model)).toEqual(['primary']);
    client.dispose();
  });

  it('reads them from an async function and from a rejected SDK promise', async () => {
    for (const fn of [
      async () => {
        throw rateLimited();
      },
      () => new FakeAPIPromise<string>(Promise.reject(rateLimited()), () => 'never'),
    ]) {
      const { client } = setup(['only'], false);
      await expect(client.run(fn, { timeoutMs: 60_000 })).rejects.toThrow();
      expect(client.rateLimits('only')?.requests?.remaining).toBe(0);
      client.dispose();
    }
  });

  it('counts the same headers once when the function reported them itself before rethrowing (as the wrappers do)', async () => {
    const { client, ratelimit } = setup(['only']);
    await expect(
      client.run(({ reportHeaders }) => {
        const error = new FakeAPIError(400, 'bad request', { headers: LIMITS });
        reportHeaders(error.headers);
        throw error;
      }),
    ).rejects.toThrow('bad request');
    expect(ratelimit).toHaveLength(1);
    client.dispose();
  });
});
