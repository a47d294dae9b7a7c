/**
 * Reads token usage out of whatever a provider call returned, by duck typing:
 * no SDK is imported, so the library works with any version of them and with
 * hand-rolled fetch code that keeps the wire shape.
 *
 * Shapes (see /work/shared/PROVIDERS.md, "Usage"):
 * - OpenAI chat: `prompt_tokens`, `completion_tokens`,
 *   `prompt_tokens_details.{cached_tokens, cache_write_tokens}`,
 *   `completion_tokens_details.reasoning_tokens`.
 * - OpenAI Responses: `input_tokens`, `output_tokens`,
 *   `input_tokens_details.cached_tokens`, `output_tokens_details.reasoning_tokens`.
 * - Anthropic: `input_tokens` counts only uncached input, so total input is
 *   `input_tokens + cache_creation_input_tokens + cache_read_input_tokens`.
 * - Vercel AI SDK: `inputTokens` / `outputTokens` as numbers (v5+ results, with
 *   `inputTokenDetails` / `outputTokenDetails` or v5's `cachedInputTokens` /
 *   `reasoningTokens`), or the middleware shape
 *   `{ inputTokens: { total, noCache, cacheRead, cacheWrite }, outputTokens: { total, text, reasoning } }`.
 */

/** Token counts of one call, normalised across providers. */
export interface Usage {
  /** All input tokens, cached or not (Anthropic's three input counts summed). */
  readonly inputTokens: number;
  /** All output tokens, reasoning included. */
  readonly outputTokens: number;
  /** Input tokens read from the prompt cache (a subset of `inputTokens`). */
  readonly cachedInputTokens: number;
  /** Input tokens written to the prompt cache (a subset of `inputTokens`). */
  readonly cacheWriteTokens: number;
  /** Output tokens spent on reasoning (a subset of `outputTokens`). */
  readonly reasoningTokens: number;
  /**
   * Set when the provider reported a negative, NaN, infinite or non-numeric
   * count: names the offending field. Such usage must not be added to a
   * budget; the counts are then zero.
   */
  readonly invalid?: string;
}

type Bag = Record<string, unknown>;
const bag = (v: unknown): Bag | undefined => (v !== null && typeof v === 'object' ? (v as Bag) : undefined);

/** A parse in progress: counts read so far, and the first bad field seen. */
class Reader {
  invalid: string | undefined;

  /** A count that may be absent (undefined / null → `undefined`); anything else not a count marks the usage invalid. */
  opt(b: Bag | undefined, key: string, path: string): number | undefined {
    if (!b) return undefined;
    const v = b[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      this.invalid ??= path;
      return undefined;
    }
    return v;
  }

  num(b: Bag | undefined, key: string, path: string): number {
    return this.opt(b, key, path) ?? 0;
  }
}

function finish(r: Reader, u: Omit<Usage, 'invalid'>): Usage {
  // Each count is finite, but a total summed from parts can still overflow (parts near Number.MAX_VALUE).
  const invalid = r.invalid ?? (Number.isFinite(u.inputTokens + u.outputTokens + u.cachedInputTokens + u.cacheWriteTokens + u.reasoningTokens) ? undefined : 'usage (counts too large to add up)');
  if (invalid !== undefined) {
    return Object.freeze({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, invalid });
  }
  // `u` is a fresh literal built by the caller: returned as is (no copy, no freeze) — this runs on every call.
  return u;
}

function openaiChat(u: Bag): Usage {
  const r = new Reader();
  const pd = bag(u.prompt_tokens_details);
  const cd = bag(u.completion_tokens_details);
  return finish(r, {
    inputTokens: r.num(u, 'prompt_tokens', 'prompt_tokens'),
    outputTokens: r.num(u, 'completion_tokens', 'completion_tokens'),
    cachedInputTokens: r.num(pd, 'cached_tokens', 'prompt_tokens_details.cached_tokens'),
    cacheWriteTokens: r.num(pd, 'cache_write_tokens', 'prompt_tokens_details.cache_write_tokens'),
    reasoningTokens: r.num(cd, 'reasoning_tokens', 'completion_tokens_details.reasoning_tokens'),
  });
}

/** OpenAI Responses and Anthropic Messages share `input_tokens` / `output_tokens`. */
function snakeCase(u: Bag): Usage {
  const r = new Reader();
  const id = bag(u.input_tokens_details);
  const od = bag(u.output_tokens_details);
  const input = r.num(u, 'input_tokens', 'input_tokens');
  // Anthropic: `input_tokens` excludes the cache; both cache counts may be null.
  const cacheWrite = r.num(u, 'cache_creation_input_tokens', 'cache_creation_input_tokens');
  const cacheRead = r.num(u, 'cache_read_input_tokens', 'cache_read_input_tokens');
  const cached = r.num(id, 'cached_tokens', 'input_tokens_details.cached_tokens');
  const write = r.num(id, 'cache_write_tokens', 'input_tokens_details.cache_write_tokens');
  return finish(r, {
    inputTokens: input + cacheWrite + cacheRead,
    outputTokens: r.num(u, 'output_tokens', 'output_tokens'),
    cachedInputTokens: cacheRead + cached,
    cacheWriteTokens: cacheWrite + write,
    reasoningTokens: r.num(od, 'reasoning_tokens', 'output_tokens_details.reasoning_tokens'),
  });
}

function aiSdk(u: Bag): Usage {
  const r = new Reader();
  const inObj = bag(u.inputTokens);
  const outObj = bag(u.outputTokens);
  let input: number;
  let cached: number;
  let write: number;
  if (inObj) {
    // Middleware shape: `total` may be missing when a provider reports only the parts.
    const noCache = r.num(inObj, 'noCache', 'inputTokens.noCache');
    cached = r.num(inObj, 'cacheRead', 'inputTokens.cacheRead');
    write = r.num(inObj, 'cacheWrite', 'inputTokens.cacheWrite');
    input = r.opt(inObj, 'total', 'inputTokens.total') ?? noCache + cached + write;
  } else {
    const details = bag(u.inputTokenDetails);
    input = r.num(u, 'inputTokens', 'inputTokens');
    cached = r.opt(details, 'cacheReadTokens', 'inputTokenDetails.cacheReadTokens') ?? r.num(u, 'cachedInputTokens', 'cachedInputTokens');
    write = r.num(details, 'cacheWriteTokens', 'inputTokenDetails.cacheWriteTokens');
  }
  let output: number;
  let reasoning: number;
  if (outObj) {
    const text = r.num(outObj, 'text', 'outputTokens.text');
    reasoning = r.num(outObj, 'reasoning', 'outputTokens.reasoning');
    output = r.opt(outObj, 'total', 'outputTokens.total') ?? text + reasoning;
  } else {
    const details = bag(u.outputTokenDetails);
    output = r.num(u, 'outputTokens', 'outputTokens');
    reasoning = r.opt(details, 'reasoningTokens', 'outputTokenDetails.reasoningTokens') ?? r.num(u, 'reasoningTokens', 'reasoningTokens');
  }
  return finish(r, { inputTokens: input, outputTokens: output, cachedInputTokens: cached, cacheWriteTokens: write, reasoningTokens: reasoning });
}

/*
 * The fast path for OpenAI's and Anthropic's shapes, read on every successful
 * call: no Reader, no candidate list. A count read here is the count itself
 * when absent (0) or a finite number >= 0, and NaN for anything else, which
 * makes the sum NaN; a usage whose sum is not finite (a bad field, or counts
 * too large to add up) is read again by the general path, which names the field.
 */
function quick(v: unknown): number {
  if (typeof v === 'number') return v >= 0 && v !== Number.POSITIVE_INFINITY ? v : Number.NaN;
  return v === undefined || v === null ? 0 : Number.NaN;
}

const detail = (b: unknown, key: string): number => (b !== null && typeof b === 'object' ? quick((b as Bag)[key]) : 0);

function openaiChatFast(u: Bag): Usage {
  const pd = u.prompt_tokens_details;
  const cd = u.completion_tokens_details;
  const inputTokens = quick(u.prompt_tokens);
  const outputTokens = quick(u.completion_tokens);
  const cachedInputTokens = detail(pd, 'cached_tokens');
  const cacheWriteTokens = detail(pd, 'cache_write_tokens');
  const reasoningTokens = detail(cd, 'reasoning_tokens');
  if (!Number.isFinite(inputTokens + outputTokens + cachedInputTokens + cacheWriteTokens + reasoningTokens)) return openaiChat(u);
  return { inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, reasoningTokens };
}

function snakeCaseFast(u: Bag): Usage {
  const id = u.input_tokens_details;
  const od = u.output_tokens_details;
  const input = quick(u.input_tokens);
  const cacheWrite = quick(u.cache_creation_input_tokens);
  const cacheRead = quick(u.cache_read_input_tokens);
  const cached = detail(id, 'cached_tokens');
  const write = detail(id, 'cache_write_tokens');
  const inputTokens = input + cacheWrite + cacheRead;
  const outputTokens = quick(u.output_tokens);
  const cachedInputTokens = cacheRead + cached;
  const cacheWriteTokens = cacheWrite + write;
  const reasoningTokens = detail(od, 'reasoning_tokens');
  if (!Number.isFinite(inputTokens + outputTokens + cachedInputTokens + cacheWriteTokens + reasoningTokens)) return snakeCase(u);
  return { inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, reasoningTokens };
}

/** Usage from one candidate, or undefined when it is no object or has none of the known shapes. */
function fromCandidate(c: unknown): Usage | undefined {
  const u = bag(c);
  if (!u) return undefined;
  // Each check reads its field twice (absent, then null), by name: a named read keeps an inline cache per field,
  // where one helper's keyed read shared by the six fields did not.
  if ((u.prompt_tokens !== undefined && u.prompt_tokens !== null) || (u.completion_tokens !== undefined && u.completion_tokens !== null)) return openaiChatFast(u);
  if ((u.input_tokens !== undefined && u.input_tokens !== null) || (u.output_tokens !== undefined && u.output_tokens !== null)) return snakeCaseFast(u);
  if ((u.inputTokens !== undefined && u.inputTokens !== null) || (u.outputTokens !== undefined && u.outputTokens !== null)) return aiSdk(u);
  return undefined;
}

/**
 * The usage a response reports, or `undefined` when it reports none (for
 * example a stream object, or an AI SDK result whose provider gave no counts).
 * Looks at `response.usage`, then at the object itself, then at
 * `response.data.usage` (`.withResponse()`) and `response.response.usage`
 * (an OpenAI Responses `response.completed` stream event). Never throws.
 *
 * @example
 * extractUsage({ usage: { prompt_tokens: 12, completion_tokens: 5 } })
 * // → { inputTokens: 12, outputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }
 */
export function extractUsage(response: unknown): Usage | undefined {
  try {
    const root = bag(response);
    if (!root) return undefined;
    // All four candidates are read before any is parsed (a throwing getter on any of them means no usage).
    const usage = root.usage;
    const data = bag(root.data)?.usage;
    const event = bag(root.response)?.usage;
    return fromCandidate(usage) ?? fromCandidate(root) ?? fromCandidate(data) ?? fromCandidate(event);
  } catch {
    // A throwing getter or a revoked proxy: treat as "no usage", never fail the call.
    return undefined;
  }
}

/** Total tokens of a usage (input + output), the unit token limits count in. */
export const totalTokens = (u: Pick<Usage, 'inputTokens' | 'outputTokens'>): number => u.inputTokens + u.outputTokens;

const USAGE_FIELDS = ['inputTokens', 'outputTokens', 'cachedInputTokens', 'cacheWriteTokens', 'reasoningTokens'] as const;

/**
 * Checks a {@link Usage} handed over by user code (`run({ usage })`) the way
 * {@link extractUsage} checks a provider's: every count a finite number >= 0
 * (`inputTokens` and `outputTokens` required, the others optional, default 0).
 * Anything else comes back with `invalid` naming the field and zero counts,
 * so the budget settles the estimate instead and says so. Never throws.
 */
export function checkUsage(value: unknown): Usage | undefined {
  if (value === undefined || value === null) return undefined;
  const r = new Reader();
  const u = bag(value);
  if (!u) {
    r.invalid = 'usage';
  } else {
    try {
      for (const key of ['inputTokens', 'outputTokens'] as const) if (u[key] === undefined || u[key] === null) r.invalid ??= key;
      const counts = Object.fromEntries(USAGE_FIELDS.map((key) => [key, r.num(u, key, key)])) as Record<(typeof USAGE_FIELDS)[number], number>;
      if (typeof u.invalid === 'string') r.invalid ??= u.invalid;
      return finish(r, counts);
    } catch {
      r.invalid ??= 'usage'; // a throwing getter
    }
  }
  return finish(r, { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
}

/** The sum of two usages (one call's several answers); `b` may be missing. */
export function addUsage(a: Usage, b: Usage | undefined): Usage {
  if (!b) return a;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
  };
}
