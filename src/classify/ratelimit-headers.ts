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

const NUMBER = /^\d+(?:\.\d+)?$/;
// Go's time.Duration.String(): `1h2m3.5s`, `6m0s`, `12ms`, `0s`. OpenAI sends these for resets.
// RFC 3339 needs a full date, a time and a zone; Date.parse alone accepts far more.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** A non-negative count, or `undefined` for anything else (`''`, `-1`, `12k`, `NaN`). */
export function parseCount(raw: string | undefined): number | undefined {
  const v = raw?.trim();
  if (!v || !NUMBER.test(v)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** A Go duration string in ms (`6m0s` → 360000), or `undefined` when malformed. A bare `0` is Go's zero duration. */
export function parseGoDuration(raw: string | undefined): number | undefined {
  const v = raw?.trim();
  if (!v) return undefined;
  if (v === '0') return 0;
  if (v.length > 64) return undefined;
  // A hand-written scan of `(number unit)+`: it runs on every answer with OpenAI headers,
  // and a global regex with matchAll cost several times the rest of the parse.
  let ms = 0;
  let i = 0;
  while (i < v.length) {
    const start = i;
    while (isDigit(v.charCodeAt(i))) i++;
    const whole = i > start;
    if (v.charCodeAt(i) === DOT) {
      i++;
      const fraction = i;
      while (isDigit(v.charCodeAt(i))) i++;
      if (!whole && i === fraction) return undefined; // a lone `.`
    } else if (!whole) return undefined;
    const n = Number(v.slice(start, i));
    const unit = goUnitAt(v, i);
    if (!unit) return undefined;
    ms += n * unit[0];
    i += unit[1];
  }
  return Number.isFinite(ms) ? ms : undefined;
}

const DOT = 0x2e;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const MICRO = [0xb5, 0x3bc]; // µ (micro sign) and μ (Greek mu): Go writes the first, both are accepted

/** The Go duration unit at `i` as [ms per unit, length]; two-letter units first, so `ms` is never read as `m`. */
function goUnitAt(v: string, i: number): readonly [number, number] | undefined {
  const c = v.charCodeAt(i);
  const s = v.charCodeAt(i + 1) === 0x73; // a second letter `s`
  if (c === 0x6e /* n */) return s ? [1e-6, 2] : undefined;
  if (c === 0x75 /* u */ || MICRO.includes(c)) return s ? [1e-3, 2] : undefined;
  if (c === 0x6d /* m */) return s ? [1, 2] : [60_000, 1];
  if (c === 0x73 /* s */) return [1_000, 1];
  if (c === 0x68 /* h */) return [3_600_000, 1];
  return undefined;
}

/** An RFC 3339 timestamp in ms since epoch, or `undefined` when malformed. */
export function parseRfc3339(raw: string | undefined): number | undefined {
  const v = raw?.trim();
  if (!v || !RFC3339.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : at;
}

function window(limit: number | undefined, remaining: number | undefined, resetAt: number | undefined): RateLimitWindow | undefined {
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

function openaiWindow(v: Values, at: number, nowMs: number): RateLimitWindow | undefined {
  const reset = parseGoDuration(v[at + 2]);
  return window(parseCount(v[at]), parseCount(v[at + 1]), reset === undefined ? undefined : nowMs + reset);
}

function anthropicWindow(v: Values, at: number): RateLimitWindow | undefined {
  return window(parseCount(v[at]), parseCount(v[at + 1]), parseRfc3339(v[at + 2]));
}

/**
 * The rate-limit header values of a plain record, in one pass over its keys
 * (reading each of the 20 names case-insensitively would scan every key 20
 * times). As {@link readHeader}: an exact lower-case key wins over another
 * spelling, else the first spelling in key order; an array gives its first
 * item. `undefined` when the record has none.
 */
function recordValues(record: Record<string, unknown>): Values | undefined {
  let values: Values | undefined;
  let exact = 0; // a bit per slot read from its exact lower-case name
  for (const key in record) {
    let slot = SLOT.get(key);
    const isExact = slot !== undefined;
    if (slot === undefined) {
      // Most response headers are not spelled differently: lower-case only what may be one of ours.
      const first = key.charCodeAt(0) | 0x20;
      if (first !== 0x78 /* x */ && first !== 0x61 /* a */) continue;
      slot = SLOT.get(key.toLowerCase());
      if (slot === undefined) continue;
    }
    let v = record[key];
    if (v === undefined) continue;
    values ??= new Array<string | undefined>(NAMES.length);
    if (exact & (1 << slot) || (!isExact && values[slot] !== undefined)) continue;
    if (Array.isArray(v)) v = v[0];
    values[slot] = typeof v === 'string' ? v : undefined;
    if (isExact) exact |= 1 << slot;
  }
  return values;
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
  try {
    const v = typeof (headers as { get?: unknown }).get === 'function' ? NAMES.map((name) => readHeader(headers, name)) : recordValues(headers as Record<string, unknown>);
    if (!v) return undefined;
    // Anthropic first: when a proxy forwards both families, the provider-specific one is richer.
    const requests = anthropicWindow(v, ANTHROPIC_SLOT.requests) ?? openaiWindow(v, OPENAI_SLOT.requests, nowMs);
    const tokens = anthropicWindow(v, ANTHROPIC_SLOT.tokens) ?? openaiWindow(v, OPENAI_SLOT.tokens, nowMs);
    const inputTokens = anthropicWindow(v, ANTHROPIC_SLOT.inputTokens);
    const outputTokens = anthropicWindow(v, ANTHROPIC_SLOT.outputTokens);
    if (!requests && !tokens && !inputTokens && !outputTokens) return undefined;
    const info: { -readonly [K in keyof RateLimitInfo]: RateLimitInfo[K] } = { observedAt: nowMs };
    if (requests) info.requests = requests;
    if (tokens) info.tokens = tokens;
    if (inputTokens) info.inputTokens = inputTokens;
    if (outputTokens) info.outputTokens = outputTokens;
    return Object.freeze(info);
  } catch {
    return undefined;
  }
}
