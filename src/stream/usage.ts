/**
 * Token usage read from stream chunks, by duck typing (no SDK imported).
 * Field names match the non-stream extractor (`extractUsage`), so the
 * budget settles a streamed call and a plain one the same way.
 *
 * Where each format reports it (see /work/shared/PROVIDERS.md, "Usage"):
 * - OpenAI chat: a last chunk with `choices: []` and `usage`, only when the
 *   request set `stream_options.include_usage` (see ensureIncludeUsage).
 * - OpenAI Responses: `response.completed` (or `.incomplete` / `.failed`) → `event.response.usage`.
 * - Anthropic: `message_start.message.usage` (input, cache counts), then
 *   `message_delta.usage.output_tokens`, which is cumulative: the last one wins.
 * - Vercel AI SDK stream parts: `{ type: 'finish', usage }`, with numbers (v2)
 *   or `{ total, noCache, cacheRead, cacheWrite }` / `{ total, text, reasoning }` objects (v3+).
 */

/** Token counts of one streamed call. All input counts are summed into `inputTokens`. */
export interface StreamUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Input tokens read from the prompt cache (a subset of `inputTokens`). */
  readonly cachedInputTokens: number;
  /** Input tokens written to the prompt cache (a subset of `inputTokens`). */
  readonly cacheWriteTokens: number;
  /** Output tokens spent on reasoning (a subset of `outputTokens`). */
  readonly reasoningTokens: number;
}

type Bag = Record<string, unknown>;
const bag = (v: unknown): Bag | undefined => (v !== null && typeof v === 'object' ? (v as Bag) : undefined);
/** A count, or undefined when absent or not a finite non-negative number (never trusted blindly). */
const count = (b: Bag | undefined, key: string): number | undefined => {
  const v = b?.[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
};

const estimated = new WeakSet<StreamUsage>();

/** True for a usage whose output count {@link StreamUsageAccumulator.partial} estimated from text. */
export const isEstimatedUsage = (usage: StreamUsage): boolean => estimated.has(usage);

/** Collects usage across the chunks of one stream. Feed every chunk to `add`. */
export class StreamUsageAccumulator {
  #input: number | undefined;
  #output: number | undefined;
  #cached = 0;
  #cacheWrite = 0;
  #reasoning = 0;
  /** Characters of answer text seen: the estimate of output the provider has not counted yet. */
  #chars = 0;

  add(chunk: unknown): void {
    const c = bag(chunk);
    if (!c) return;
    const type = c.type;
    if (typeof type === 'string') {
      if (type === 'content_block_delta' || type === 'text-delta') {
        const t = type === 'text-delta' ? c.delta : bag(c.delta)?.text;
        if (typeof t === 'string') this.#chars += t.length;
        return;
      }
      if (type === 'message_start') {
        this.#anthropic(bag(bag(c.message)?.usage), true);
        return;
      }
      if (type === 'message_delta') {
        this.#anthropic(bag(c.usage), false);
        return;
      }
      if (type === 'finish') {
        this.#aiSdk(bag(c.usage));
        return;
      }
      if (type.startsWith('response.')) {
        const u = bag(bag(c.response)?.usage);
        if (u) this.#responses(u);
      }
      return;
    }
    // OpenAI chat chunks carry no `type`; `usage` is null except on the last one.
    const text = bag(bag((c.choices as unknown[] | undefined)?.[0])?.delta)?.content;
    if (typeof text === 'string') this.#chars += text.length;
    const u = bag(c.usage);
    if (u && count(u, 'prompt_tokens') !== undefined) this.#openaiChat(u);
  }

  /** The usage seen so far, or undefined when the stream reported none. */
  result(): StreamUsage | undefined {
    if (this.#input === undefined && this.#output === undefined) return undefined;
    return Object.freeze({
      inputTokens: this.#input ?? 0,
      outputTokens: this.#output ?? 0,
      cachedInputTokens: this.#cached,
      cacheWriteTokens: this.#cacheWrite,
      reasoningTokens: this.#reasoning,
    });
  }

  /**
   * The usage of a stream cut short: as {@link result}, with `outputTokens`
   * raised to an estimate from the text seen (about 4 characters a token) when
   * the provider had counted less — Anthropic counts output only at the end,
   * OpenAI chat reports no usage before its last chunk (then: undefined).
   */
  partial(): StreamUsage | undefined {
    const r = this.result();
    const estimate = Math.ceil(this.#chars / 4);
    if (!r || r.outputTokens >= estimate) return r;
    const raised = Object.freeze({ ...r, outputTokens: estimate });
    estimated.add(raised);
    return raised;
  }

  #openaiChat(u: Bag): void {
    const pd = bag(u.prompt_tokens_details);
    this.#input = count(u, 'prompt_tokens');
    this.#output = count(u, 'completion_tokens') ?? 0;
    this.#cached = count(pd, 'cached_tokens') ?? 0;
    this.#cacheWrite = count(pd, 'cache_write_tokens') ?? 0;
    this.#reasoning = count(bag(u.completion_tokens_details), 'reasoning_tokens') ?? 0;
  }

  #responses(u: Bag): void {
    const input = count(u, 'input_tokens');
    if (input === undefined) return;
    this.#input = input;
    this.#output = count(u, 'output_tokens') ?? 0;
    this.#cached = count(bag(u.input_tokens_details), 'cached_tokens') ?? 0;
    this.#reasoning = count(bag(u.output_tokens_details), 'reasoning_tokens') ?? 0;
  }

  // Anthropic's `input_tokens` excludes cache reads and writes; the total is the three summed.
  // A `message_delta` may repeat the input counts (newer API versions): when present they win.
  #anthropic(u: Bag | undefined, start: boolean): void {
    if (!u) return;
    const uncached = count(u, 'input_tokens');
    const read = count(u, 'cache_read_input_tokens');
    const write = count(u, 'cache_creation_input_tokens');
    if (uncached !== undefined || read !== undefined || write !== undefined) {
      if (read !== undefined || start) this.#cached = read ?? 0;
      if (write !== undefined || start) this.#cacheWrite = write ?? 0;
      this.#input = (uncached ?? (start ? 0 : this.#uncached())) + this.#cached + this.#cacheWrite;
    }
    const out = count(u, 'output_tokens');
    if (out !== undefined) this.#output = out; // cumulative: the latest is the total so far
  }

  #uncached(): number {
    return Math.max(0, (this.#input ?? 0) - this.#cached - this.#cacheWrite);
  }

  #aiSdk(u: Bag | undefined): void {
    if (!u) return;
    const inObj = bag(u.inputTokens);
    const outObj = bag(u.outputTokens);
    if (inObj || outObj) {
      // v3+: `{ total, noCache, cacheRead, cacheWrite }` and `{ total, text, reasoning }`; totals may be undefined.
      const cacheRead = count(inObj, 'cacheRead') ?? 0;
      const cacheWrite = count(inObj, 'cacheWrite') ?? 0;
      const inTotal = count(inObj, 'total') ?? (count(inObj, 'noCache') !== undefined ? count(inObj, 'noCache')! + cacheRead + cacheWrite : undefined);
      const reasoning = count(outObj, 'reasoning') ?? 0;
      const outTotal = count(outObj, 'total') ?? (count(outObj, 'text') !== undefined ? count(outObj, 'text')! + reasoning : undefined);
      if (inTotal === undefined && outTotal === undefined) return;
      this.#input = inTotal ?? 0;
      this.#output = outTotal ?? 0;
      this.#cached = cacheRead;
      this.#cacheWrite = cacheWrite;
      this.#reasoning = reasoning;
      return;
    }
    // v2: plain numbers, `cachedInputTokens` / `reasoningTokens` alongside.
    const input = count(u, 'inputTokens');
    const output = count(u, 'outputTokens');
    if (input === undefined && output === undefined) return;
    this.#input = input ?? 0;
    this.#output = output ?? 0;
    this.#cached = count(u, 'cachedInputTokens') ?? 0;
    this.#reasoning = count(u, 'reasoningTokens') ?? 0;
  }
}

/** Usage from a whole list of chunks (for tests and for callers that collected a stream). */
export function usageFromChunks(chunks: Iterable<unknown>): StreamUsage | undefined {
  const acc = new StreamUsageAccumulator();
  for (const c of chunks) acc.add(c);
  return acc.result();
}
