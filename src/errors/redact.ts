/**
 * Masks strings that look like credentials. Used wherever text of uncertain
 * origin could reach an event, a report, a log line or one of our messages.
 */
const PATTERNS: readonly RegExp[] = [
  /\b(sk|pk|rk)-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_-]{6,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  /\b(x-api-key|api[_-]?key|authorization)(["']?\s*[:=]\s*["']?)[^\s"',;}]{4,}/gi,
];

// `scheme://user:password@host`: a connection string in a driver's error message.
const URL_CREDENTIALS = /(\/\/)[^@/\s"'<>]*@/g;

export function redact(text: string): string {
  let out = text;
  for (const p of PATTERNS) {
    out = out.replace(p, (_match, g1: string | undefined, g2: string | undefined) =>
      g2 !== undefined && /api|authorization/i.test(g1 ?? '') ? `${g1}${g2}[redacted]` : '[redacted]',
    );
  }
  return out.replace(URL_CREDENTIALS, '$1***@');
}

/**
 * The message of a thrown value (a store's, a driver's), credentials masked
 * and cut to `max` characters: the one form in which such a message may reach
 * an event or one of our errors.
 */
export function safeErrorMessage(error: unknown, max = 200): string {
  let text: string;
  try {
    text = String((error as { message?: unknown } | null)?.message ?? error);
  } catch {
    text = 'an error that could not be read';
  }
  // Redact before cutting: a cut could split a credential so no pattern matches it.
  return redact(text).slice(0, max);
}

const MASKED = new WeakMap<object, object>();
const isErrorLike = (v: unknown): v is { message: string } => typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string';
const readSafely = (read: () => unknown): unknown => {
  try {
    return read();
  } catch {
    return undefined;
  }
};

/**
 * The error `raw` as our errors expose it in `cause`: the same class
 * (`instanceof` holds) and every field readable by code that asks for it, but
 * what loggers print is masked. Loggers print an error's message, its stack
 * and its enumerable fields, then walk its `cause` (and an AggregateError's
 * `errors`) and do the same, level after level; in the view `message` and
 * `stack` have credentials masked, only `name`, `message`, `status`,
 * `statusCode` and `code` are enumerable (request headers and bodies are not),
 * and `cause` and `errors` are views too, all the way down.
 *
 * Values that are not error-like, and errors that mask themselves (`isSafe`,
 * ours), are returned as they are.
 */
export function maskedView<T>(raw: T, isSafe: (value: object) => boolean = () => false): T {
  if (!isErrorLike(raw) || isSafe(raw)) return raw;
  const known = MASKED.get(raw);
  if (known) return known as T;
  // The view's own fields: what a logger that walks own fields or bypasses
  // the proxy (`util.inspect` formats a proxy's target) is allowed to see.
  // A real Error under the original's prototype, so `util.inspect` (which formats a proxy's target) prints it as one.
  const target = Object.setPrototypeOf(new Error(), Object.getPrototypeOf(raw) as object | null) as Record<PropertyKey, unknown>;
  const hidden = (key: string, value: unknown) => Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
  const r = raw as unknown as Record<string, unknown>;
  hidden('message', safeErrorMessage(raw, 2_000));
  const stack = readSafely(() => r.stack);
  if (typeof stack === 'string') hidden('stack', redact(stack));
  if (Object.hasOwn(raw, 'name') && typeof r.name === 'string') hidden('name', r.name);
  for (const key of ['status', 'statusCode', 'code'] as const) {
    const v = readSafely(() => r[key]);
    if (typeof v === 'number' || typeof v === 'boolean') target[key] = v;
    else if (typeof v === 'string') target[key] = redact(v).slice(0, 200);
  }
  const view = new Proxy(target, {
    // Fields the view holds come from it; every other read goes to the original.
    get: (t, key) => (Object.hasOwn(t, key) ? t[key] : Reflect.get(raw, key)),
    has: (t, key) => Object.hasOwn(t, key) || Reflect.has(raw, key),
    // The original's other own fields are own fields of the view too (`Object.hasOwn` holds),
    // but never enumerable: `ownKeys` lists the view's fields only, so loggers do not walk them.
    getOwnPropertyDescriptor: (t, key) => {
      const mine = Reflect.getOwnPropertyDescriptor(t, key);
      if (mine) return mine;
      const theirs = Reflect.getOwnPropertyDescriptor(raw, key);
      return theirs ? { ...theirs, enumerable: false, configurable: true } : undefined;
    },
  });
  MASKED.set(raw, view);
  // After the entry above: a cause chain that loops back finds this view.
  const cause = readSafely(() => r.cause);
  if (cause !== undefined) hidden('cause', typeof cause === 'string' ? redact(cause) : maskedView(cause, isSafe));
  const errors = readSafely(() => r.errors);
  if (Array.isArray(errors)) hidden('errors', errors.map((e: unknown) => maskedView(e, isSafe)));
  return view as T;
}
