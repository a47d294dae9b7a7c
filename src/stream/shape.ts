/**
 * The shapes a watched stream is handed back in (the SDK object behind a
 * proxy, a ReadableStream, an async iterator), over anything that pulls
 * chunks one at a time: the pump, or a spliced stream of several parts.
 */

/** One caller-facing reader: `next()` serialised, `return()` when the caller stops. */
export interface Pullable {
  next(): Promise<IteratorResult<unknown>>;
  return(): Promise<IteratorResult<unknown>>;
}

type Bag = Record<PropertyKey, unknown>;

export function iteratorOf(pump: Pullable): AsyncIterableIterator<unknown> {
  return {
    next: () => pump.next(),
    return: () => pump.return(),
    throw: async (e?: unknown) => {
      await pump.return();
      throw e;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Iterating twice is an error, as in the SDKs; the second iterator says so instead of stealing chunks. */
export function once(pump: Pullable): () => AsyncIterableIterator<unknown> {
  let used = false;
  return () => {
    if (!used) {
      used = true;
      return iteratorOf(pump);
    }
    const err = async () => {
      throw new Error('Cannot iterate over a consumed stream');
    };
    return { next: err, return: async () => ({ value: undefined, done: true }), [Symbol.asyncIterator]() { return this; } };
  };
}

export function toReadable(pump: Pullable): ReadableStream<unknown> {
  return new ReadableStream<unknown>(
    {
      async pull(c) {
        const r = await pump.next(); // a rejection errors the stream with it
        if (r.done) c.close();
        else c.enqueue(r.value);
      },
      async cancel() {
        await pump.return();
      },
    },
    // 0: pull only when the caller reads, so a slow reader is never taken for a stalled provider.
    { highWaterMark: 0 },
  );
}

/**
 * The SDK object with its iteration swapped for ours. Other members are read
 * from the original and methods bound to it (the SDK classes keep private
 * fields, which a proxy as `this` cannot reach), so `finalMessage()`,
 * `controller`, `on()`, `withResponse()` work as before.
 */
export function proxyOf(target: Bag, pump: Pullable): unknown {
  const iterate = once(pump);
  const bound = new Map<PropertyKey, unknown>();
  // The SDK `Stream` class (openai, anthropic): `tee()` and `toReadableStream()`
  // read `this.iterator` and private fields, so they run on a fresh Stream of the
  // same class built over our iterator.
  const isSdkStream = typeof target.iterator === 'function';
  let rebuilt: Bag | undefined;
  const fresh = (): Bag => {
    const Ctor = target.constructor as new (it: () => AsyncIterator<unknown>, c: unknown) => Bag;
    return (rebuilt ??= new Ctor(iterate, target.controller));
  };
  const proxy: object = new Proxy(target, {
    get(t, prop) {
      if (prop === Symbol.asyncIterator) return iterate;
      if (isSdkStream && prop === 'iterator') return iterate;
      if (isSdkStream && (prop === 'tee' || prop === 'toReadableStream')) {
        return (...args: unknown[]) => (fresh()[prop] as (...a: unknown[]) => unknown)(...args);
      }
      const v = Reflect.get(t, prop, t);
      if (typeof v !== 'function') return v;
      // MessageStream / ChatCompletionStream build their readable from `this[Symbol.asyncIterator]`.
      if (prop === 'toReadableStream') return v.bind(proxy);
      let b = bound.get(prop);
      if (b === undefined) bound.set(prop, (b = v.bind(t)));
      return b;
    },
  });
  return proxy;
}
