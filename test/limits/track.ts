/** Tracks a promise (or a value) without awaiting it: `done`, then `value` or `error`, once it settles. */
export function track<T>(p: Promise<T> | T) {
  const s: { value?: T; error?: unknown; done: boolean } = { done: false };
  Promise.resolve(p).then(
    (v) => Object.assign(s, { value: v, done: true }),
    (e: unknown) => Object.assign(s, { error: e, done: true }),
  );
  return s;
}
