import { readHeader } from './headers.js';

/** One rate-limit dimension as the provider last reported it. Fields it did not send (or sent malformed) are absent. */
export interface RateLimitWindow {
  /** The ceiling for this dimension in the provider's window. */
  readonly limit?: number;
  /** What is left of it right now. */
  readonly remaining?: number;
  /** Clock time (ms since epoch) at which `remaining` is back to `limit`. */
  readonly resetAt?: number;
}

/** What the provider's rate-limit headers said, as plain data. */
export interface RateLimitInfo {
  readonly requests?: RateLimitWindow;
  /** OpenAI: tokens per minute. Anthropic: the combined token limit (most restrictive). */
  readonly tokens?: RateLimitWindow;
  /** Anthropic only. */
  readonly inputTokens?: RateLimitWindow;
  /** Anthropic only. */
  readonly outputTokens?: RateLimitWindow;
  /** Clock time the headers were read at. */
  readonly observedAt: number;
}

export type RateLimitDimension = 'requests' | 'tokens' | 'inputTokens' | 'outputTokens';

// Go's time.Duration.String(): `1h2m3.5s`, `6m0s`, `12ms`, `0s`. OpenAI sends these for resets.
// RFC 3339 needs a full date, a time and a zone; Date.parse alone accepts far more.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

// The counts and durations below are read with hand-written scans, not regular expressions, trim()
// and slice(): they run on every answer with rate-limit headers (six values an answer from OpenAI).

/** `raw` without the white space `String.prototype.trim` removes; the same string when there is none. */
function trimmed(raw: string): string {
  const n = raw.length;
  return n > 0 && raw.charCodeAt(0) > 0x20 && raw.charCodeAt(n - 1) > 0x20 && raw.charCodeAt(0) < 0x7f && raw.charCodeAt(n - 1) < 0x7f ? raw : raw.trim();
}

/** 10^0 … 10^22 written out, each exact (a computed power need not be). */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * The number `v.slice(start, end)` writes (digits, or digits around one `.`), given the value of
 * its digits read as one integer and how many of them follow the `.`. The same number as
 * `Number()`: an integer below 2^53 and a power of ten up to 10^22 are both exact, and one
 * division rounds the exact quotient as parsing does; anything larger is parsed.
 */
function decimal(v: string, start: number, end: number, digits: number, places: number): number {
  return digits <= Number.MAX_SAFE_INTEGER && places < POW10.length ? digits / POW10[places]! : Number(v.slice(start, end));
}

/** A non-negative count, or `undefined` for anything else (`''`, `-1`, `12k`, `NaN`). */
export function parseCount(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = trimmed(raw);
  // `digits` or `digits.digits`, nothing else; then `Number()`, which V8 answers from the string's
  // hash for a short integer
  const len = v.length;
  const dot = digitsEnd(v, 0, len);
  if (dot === 0) return undefined;
  if (dot < len && (v.charCodeAt(dot) !== DOT || dot + 1 === len || digitsEnd(v, dot + 1, len) < len)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Where the run of ASCII digits starting at `i` ends. */
function digitsEnd(v: string, i: number, len: number): number {
  while (i < len) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  return i;
}

/** A Go duration string in ms (`6m0s` → 360000), or `undefined` when malformed. A bare `0` is Go's zero duration. */
export function parseGoDuration(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = trimmed(raw);
  const len = v.length;
  if (len === 0) return undefined;
  if (v === '0') return 0;
  if (len > 64) return undefined;
  // A scan of `(number unit)+`.
  let ms = 0;
  let i = 0;
  while (i < len) {
    const start = i;
    let digits = 0;
    for (let c = 0; i < len && (c = v.charCodeAt(i) - 0x30) >= 0 && c <= 9; i++) digits = digits * 10 + c;
    const whole = i > start;
    let places = 0;
    if (i < len && v.charCodeAt(i) === DOT) {
      const dot = i++;
      for (let c = 0; i < len && (c = v.charCodeAt(i) - 0x30) >= 0 && c <= 9; i++) digits = digits * 10 + c;
      places = i - dot - 1;
      if (!whole && places === 0) return undefined; // a lone `.`
    } else if (!whole) return undefined;
    if (i === len) return undefined; // a number without its unit
    const n = decimal(v, start, i, digits, places);
    // The unit at `i`, two-letter units first so `ms` is never read as `m`.
    const c = v.charCodeAt(i);
    const s = i + 1 < len && v.charCodeAt(i + 1) === 0x73; // a second letter `s`
    if (c === 0x6d /* m */) {
      ms += s ? n : n * 60_000;
      i += s ? 2 : 1;
    } else if (c === 0x73 /* s */) {
      ms += n * 1_000;
      i += 1;
    } else if (c === 0x68 /* h */) {
      ms += n * 3_600_000;
      i += 1;
    } else if (s && c === 0x6e /* n */) {
      ms += n * 1e-6;
      i += 2;
    } else if (s && (c === 0x75 /* u */ || c === MICRO_SIGN || c === GREEK_MU)) {
      ms += n * 1e-3;
      i += 2;
    } else return undefined;
  }
  return Number.isFinite(ms) ? ms : undefined;
}

const DOT = 0x2e;
// µ (micro sign) and μ (Greek mu): Go writes the first, both are accepted
const MICRO_SIGN = 0xb5;
const GREEK_MU = 0x3bc;

/** An RFC 3339 timestamp in ms since epoch, or `undefined` when malformed. */
export function parseRfc3339(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  // Anthropic sends up to four resets an answer, often the same instant, and the same again on the
  // answers of the same second: the last string read is remembered with its value.
  if (raw === lastRfc3339) return lastRfc3339At;
  const v = trimmed(raw);
  const at = v && RFC3339.test(v) ? Date.parse(v) : Number.NaN;
  lastRfc3339 = raw;
  lastRfc3339At = Number.isNaN(at) ? undefined : at;
  return lastRfc3339At;
}
let lastRfc3339: string | undefined;
let lastRfc3339At: number | undefined;

function window(limit: number | undefined, remaining: number | undefined, resetAt: number | undefined): RateLimitWindow | undefined {
  // The usual answer sends all three: one object of one shape.
  if (limit !== undefined && remaining !== undefined && resetAt !== undefined) return Object.freeze({ limit, remaining, resetAt });
  if (limit === undefined && remaining === undefined && resetAt === undefined) return undefined;
  const w: { limit?: number; remaining?: number; resetAt?: number } = {};
  if (limit !== undefined) w.limit = limit;
  if (remaining !== undefined) w.remaining = remaining;
  if (resetAt !== undefined) w.resetAt = resetAt;
  return Object.freeze(w);
}

/** Where each family's three headers (limit, remaining, reset) sit in the values read. */
const OPENAI_SLOT = { requests: 12, tokens: 15 } as const;
const ANTHROPIC_SLOT = { requests: 0, tokens: 3, inputTokens: 6, outputTokens: 9 } as const;
/** Every name read, built once: a name put together per call is a fresh string to hash on every lookup. */
const NAMES: readonly string[] = [
  ...['requests', 'tokens', 'input-tokens', 'output-tokens'].flatMap((d) => [`anthropic-ratelimit-${d}-limit`, `anthropic-ratelimit-${d}-remaining`, `anthropic-ratelimit-${d}-reset`]),
  ...['requests', 'tokens'].flatMap((d) => [`x-ratelimit-limit-${d}`, `x-ratelimit-remaining-${d}`, `x-ratelimit-reset-${d}`]),
];
const SLOT: ReadonlyMap<string, number> = new Map(NAMES.map((name, i) => [name, i]));
type Values = (string | undefined)[];

/** A bit per slot, for the three slots of a window starting at `at`. */
const windowBits = (at: number) => 0b111 << at;

function openaiWindow(v: Values, seen: number, at: number, nowMs: number): RateLimitWindow | undefined {
  if (!(seen & windowBits(at))) return undefined;
  const reset = parseGoDuration(v[at + 2]);
  return window(parseCount(v[at]), parseCount(v[at + 1]), reset === undefined ? undefined : nowMs + reset);
}

function anthropicWindow(v: Values, seen: number, at: number): RateLimitWindow | undefined {
  if (!(seen & windowBits(at))) return undefined;
  return window(parseCount(v[at]), parseCount(v[at + 1]), parseRfc3339(v[at + 2]));
}

/**
 * The values read, reused by every parse: a parse runs to its end synchronously, and clears
 * the slots it set before returning.
 */
const scratch: Values = new Array<string | undefined>(NAMES.length).fill(undefined);

/**
 * Puts the rate-limit header values of a plain record in {@link scratch}, in one pass over its
 * keys (reading each of the 18 names case-insensitively would scan every key 18 times), and
 * returns a bit per slot set. As {@link readHeader}: an exact lower-case key wins over another
 * spelling, else the first spelling in key order; an array gives its first item.
 */
function readRecord(record: Record<string, unknown>): number {
  let seen = 0;
  let exact = 0; // a bit per slot read from its exact lower-case name
  for (const key in record) {
    // Ours all begin with `x` or `a`: most response headers are passed over on their first letter.
    const first = key.charCodeAt(0) | 0x20;
    if (first !== 0x78 /* x */ && first !== 0x61 /* a */) continue;
    let slot = SLOT.get(key);
    const isExact = slot !== undefined;
    if (slot === undefined) {
      slot = SLOT.get(key.toLowerCase());
      if (slot === undefined) continue;
    }
    let v = record[key];
    if (v === undefined) continue;
    const bit = 1 << slot;
    if (exact & bit || (!isExact && scratch[slot] !== undefined)) continue;
    if (Array.isArray(v)) v = v[0];
    scratch[slot] = typeof v === 'string' ? v : undefined;
    seen |= bit;
    if (isExact) exact |= bit;
  }
  return seen;
}

/**
 * Puts the values of a fetch `Headers` (what the openai and anthropic SDKs return) in
 * {@link scratch} in one pass: its entries are lower-case and combined as `get` returns them,
 * and one pass over them costs about a third of 18 `get` calls.
 */
function readFetchHeaders(headers: Headers): number {
  let seen = 0;
  headers.forEach((value, key) => {
    const slot = SLOT.get(key);
    if (slot === undefined) return;
    scratch[slot] = value;
    seen |= 1 << slot;
  });
  return seen;
}

/**
 * The global fetch `Headers`, read at the first parse that has a `get` method, not when the module
 * loads: in Node the global is a lazy getter, and reading it loads fetch's implementation (about
 * 25 ms of CPU added to importing this package, measured).
 */
let fetchHeaders: typeof Headers | null | undefined;
function isFetchHeaders(headers: object): headers is Headers {
  if (fetchHeaders === undefined) {
    const global = globalThis.Headers;
    fetchHeaders = typeof global === 'function' ? global : null;
  }
  return fetchHeaders !== null && headers instanceof fetchHeaders;
}

/** Puts the values a `get` method gives in {@link scratch}; a bit per slot found. */
function readGetter(headers: object): number {
  if (isFetchHeaders(headers)) return readFetchHeaders(headers);
  let seen = 0;
  for (let slot = 0; slot < NAMES.length; slot++) {
    const v = readHeader(headers, NAMES[slot]!);
    if (v === undefined) continue;
    scratch[slot] = v;
    seen |= 1 << slot;
  }
  return seen;
}

/**
 * Reads OpenAI `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` and Anthropic
 * `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`
 * from any header shape (fetch `Headers`, plain record, `Map`).
 *
 * Returns `undefined` when no usable rate-limit header is present. Malformed values
 * are skipped, never thrown: a provider changing its format must not fail a call.
 *
 * @param nowMs clock time of the response; OpenAI resets are relative to it.
 * @see https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
 * @see https://docs.anthropic.com/en/api/rate-limits#response-headers
 */
export function parseRateLimitHeaders(headers: unknown, nowMs: number): RateLimitInfo | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  let seen = 0;
  try {
    seen = typeof (headers as { get?: unknown }).get === 'function' ? readGetter(headers) : readRecord(headers as Record<string, unknown>);
    if (!seen) return undefined;
    const v = scratch;
    // Anthropic first: when a proxy forwards both families, the provider-specific one is richer.
    const requests = anthropicWindow(v, seen, ANTHROPIC_SLOT.requests) ?? openaiWindow(v, seen, OPENAI_SLOT.requests, nowMs);
    const tokens = anthropicWindow(v, seen, ANTHROPIC_SLOT.tokens) ?? openaiWindow(v, seen, OPENAI_SLOT.tokens, nowMs);
    const inputTokens = anthropicWindow(v, seen, ANTHROPIC_SLOT.inputTokens);
    const outputTokens = anthropicWindow(v, seen, ANTHROPIC_SLOT.outputTokens);
    if (!requests && !tokens && !inputTokens && !outputTokens) return undefined;
    const info: { -readonly [K in keyof RateLimitInfo]: RateLimitInfo[K] } = { observedAt: nowMs };
    if (requests) info.requests = requests;
    if (tokens) info.tokens = tokens;
    if (inputTokens) info.inputTokens = inputTokens;
    if (outputTokens) info.outputTokens = outputTokens;
    return Object.freeze(info);
  } catch {
    scratch.fill(undefined); // a record's getter threw part-way: its slots are not in `seen`
    return undefined;
  } finally {
    for (let slot = 0; seen; slot++, seen >>>= 1) if (seen & 1) scratch[slot] = undefined;
  }
}
