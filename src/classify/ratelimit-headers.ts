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
const GO_DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
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
  if (v.length > 64 || !GO_DURATION.test(v)) return undefined;
  let ms = 0;
  for (const m of v.matchAll(GO_PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Number.isFinite(ms) ? ms : undefined;
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

function openaiWindow(headers: unknown, dim: 'requests' | 'tokens', nowMs: number): RateLimitWindow | undefined {
  const reset = parseGoDuration(readHeader(headers, `x-ratelimit-reset-${dim}`));
  return window(
    parseCount(readHeader(headers, `x-ratelimit-limit-${dim}`)),
    parseCount(readHeader(headers, `x-ratelimit-remaining-${dim}`)),
    reset === undefined ? undefined : nowMs + reset,
  );
}

function anthropicWindow(headers: unknown, dim: string): RateLimitWindow | undefined {
  return window(
    parseCount(readHeader(headers, `anthropic-ratelimit-${dim}-limit`)),
    parseCount(readHeader(headers, `anthropic-ratelimit-${dim}-remaining`)),
    parseRfc3339(readHeader(headers, `anthropic-ratelimit-${dim}-reset`)),
  );
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
    const info: { -readonly [K in RateLimitDimension]?: RateLimitWindow } & { observedAt: number } = { observedAt: nowMs };
    let found = false;
    const set = (dim: RateLimitDimension, w: RateLimitWindow | undefined) => {
      if (!w) return;
      info[dim] = w;
      found = true;
    };
    // Anthropic first: when a proxy forwards both families, the provider-specific one is richer.
    set('requests', anthropicWindow(headers, 'requests'));
    set('tokens', anthropicWindow(headers, 'tokens'));
    set('inputTokens', anthropicWindow(headers, 'input-tokens'));
    set('outputTokens', anthropicWindow(headers, 'output-tokens'));
    if (!info.requests) set('requests', openaiWindow(headers, 'requests', nowMs));
    if (!info.tokens) set('tokens', openaiWindow(headers, 'tokens', nowMs));
    return found ? Object.freeze(info) : undefined;
  } catch {
    return undefined;
  }
}
