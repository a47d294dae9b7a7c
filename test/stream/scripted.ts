/**
 * Hand-driven async iterables for the stream tests: the test decides when each
 * chunk, error or end arrives, so timing is exact on the fake clock.
 */
export class ScriptedIterator implements AsyncIterator<unknown> {
  readonly #queue: ({ value: unknown } | { error: unknown } | { end: true })[] = [];
  #waiter: { resolve: (r: IteratorResult<unknown>) => void; reject: (e: unknown) => void } | undefined;
  #done = false;
  returned = 0;
  pulls = 0;

  push(...values: unknown[]): this {
    for (const value of values) this.#offer({ value });
    return this;
  }
  fail(error: unknown): this {
    this.#offer({ error });
    return this;
  }
  end(): this {
    this.#offer({ end: true });
    return this;
  }
  /** True while a `next()` waits for the test to push something. */
  get waiting(): boolean {
    return this.#waiter !== undefined;
  }

  #offer(item: { value: unknown } | { error: unknown } | { end: true }): void {
    const w = this.#waiter;
    if (!w) {
      this.#queue.push(item);
      return;
    }
    this.#waiter = undefined;
    this.#settle(item, w.resolve, w.reject);
  }

  #settle(item: { value: unknown } | { error: unknown } | { end: true }, resolve: (r: IteratorResult<unknown>) => void, reject: (e: unknown) => void): void {
    if ('error' in item) {
      this.#done = true;
      reject(item.error);
    } else if ('end' in item) {
      this.#done = true;
      resolve({ value: undefined, done: true });
    } else resolve({ value: item.value, done: false });
  }

  next(): Promise<IteratorResult<unknown>> {
    this.pulls++;
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    const item = this.#queue.shift();
    return new Promise((resolve, reject) => {
      if (item) this.#settle(item, resolve, reject);
      else this.#waiter = { resolve, reject };
    });
  }

  async return(): Promise<IteratorResult<unknown>> {
    this.returned++;
    this.#done = true;
    this.#waiter?.resolve({ value: undefined, done: true });
    this.#waiter = undefined;
    return { value: undefined, done: true };
  }
}

/** A plain async iterable over a scripted iterator (the generic kind). */
export function scriptedIterable(it = new ScriptedIterator()): { iterable: AsyncIterable<unknown>; it: ScriptedIterator } {
  return { iterable: { [Symbol.asyncIterator]: () => it }, it };
}

/**
 * Shaped like the SDKs' `Stream`: a `controller`, an `iterator` function, private
 * state reached by a method (which breaks if called with a proxy as `this`).
 */
export class FakeSdkStream {
  readonly controller = new AbortController();
  readonly #secret = 'private-field-ok';
  readonly it: ScriptedIterator;
  constructor(it = new ScriptedIterator()) {
    this.it = it;
    this.controller.signal.addEventListener('abort', () => void it.return());
  }
  iterator(): AsyncIterator<unknown> {
    return this.it;
  }
  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return this.iterator();
  }
  privateThing(): string {
    return this.#secret;
  }
}

/** Collects a whole iteration, returning chunks and the error it ended with, if any. */
export async function drain(iterable: AsyncIterable<unknown>): Promise<{ chunks: unknown[]; error: unknown }> {
  const chunks: unknown[] = [];
  try {
    for await (const c of iterable) chunks.push(c);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}
