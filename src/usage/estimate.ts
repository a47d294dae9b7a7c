/**
 * A cheap, documented guess of what a request will cost in tokens, used to
 * reserve budget before the call. It errs on the high side for output (the
 * requested cap, not what the model will likely write) because a reservation
 * that is too small is what lets concurrent calls overshoot a budget.
 */

import { imagePartTokens } from './image-tokens.js';

/** Characters per token for the heuristic: ~4 for English text with OpenAI and Anthropic tokenizers. */
export const CHARS_PER_TOKEN = 4;
/** Added per message for role markers and separators (OpenAI documents 3–4). */
export const TOKENS_PER_MESSAGE = 4;
/** Added once per request for the reply primer. */
export const TOKENS_PER_REQUEST = 3;
/** Flat charge for a non-text part that is not an image (audio, a file, a document). Images follow each provider's rule (see `imagePartTokens`). */
export const TOKENS_PER_MEDIA_PART = 1_000;
/** Output reserved when the request sets no output cap. */
export const DEFAULT_OUTPUT_TOKENS = 4_096;

export interface RequestEstimate {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface EstimateOptions {
  /**
   * Output tokens reserved when the request has no `max_tokens` / `max_output_tokens` /
   * `max_completion_tokens` / `maxOutputTokens`.
   * @default 4096
   */
  readonly defaultOutputTokens?: number | undefined;
}

type Bag = Record<string, unknown>;
const bag = (v: unknown): Bag | undefined => (v !== null && typeof v === 'object' ? (v as Bag) : undefined);

/** Keys whose values are never sent as prompt text. */
const SKIP = new Set(['model', 'stream', 'stream_options', 'temperature', 'top_p', 'top_k', 'seed', 'metadata', 'signal', 'abortSignal', 'headers', 'providerOptions', 'max_tokens', 'max_output_tokens', 'max_completion_tokens', 'maxOutputTokens', 'maxTokens', 'n', 'store', 'user', 'id', 'role', 'type', 'cache_control', 'mimeType', 'mediaType', 'media_type']);
const MEDIA_TYPES = new Set(['image', 'image_url', 'input_image', 'file', 'input_file', 'document', 'input_audio', 'audio']);
const MAX_DEPTH = 12;
const MAX_NODES = 100_000;

interface Tally {
  texts: string[];
  messages: number;
  media: number;
  /** Tokens of image parts, by the providers' documented rules. */
  images: number;
  nodes: number;
}

/**
 * Collects prompt text from any request shape: `messages` (chat, Anthropic,
 * AI SDK), `system`, `input` / `instructions` (Responses), `prompt` (AI SDK),
 * `tools` (their JSON counts too). Bounded in depth and size so a hostile or
 * cyclic object cannot hang the caller.
 */
function walk(v: unknown, t: Tally, depth: number, inMessages: boolean): void {
  if (++t.nodes > MAX_NODES || depth > MAX_DEPTH) return;
  if (typeof v === 'string') {
    t.texts.push(v);
    return;
  }
  if (Array.isArray(v)) {
    for (const item of v) {
      if (inMessages && bag(item)) t.messages++;
      walk(item, t, depth + 1, false);
    }
    return;
  }
  const b = bag(v);
  if (!b) return;
  if (typeof b.type === 'string') {
    const image = imagePartTokens(b);
    if (image !== undefined) {
      t.images += image;
      return;
    }
    if (MEDIA_TYPES.has(b.type)) {
      t.media++;
      return;
    }
  }
  for (const [k, child] of Object.entries(b)) {
    if (SKIP.has(k)) continue;
    if (k === 'data' || k === 'image' || k === 'source') {
      // Base64 payloads: counted as a media part, not as characters.
      t.media++;
      continue;
    }
    walk(child, t, depth + 1, k === 'messages' || k === 'input');
  }
}

const nonNegInt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.ceil(v) : undefined;

/**
 * Estimates the tokens a request will use, for reserving budget.
 *
 * Input: `ceil(chars / 4)` over every prompt string (or the sum of `tokenizer(text)`
 * per string when given), plus {@link TOKENS_PER_MESSAGE} per message,
 * {@link TOKENS_PER_REQUEST} per request, each image by its provider's rule
 * (OpenAI: 85 at low detail, 85 + 170 per 512 px tile at high detail;
 * Anthropic: width × height / 750, at most 1,600; the lower figure whenever
 * the size or the provider is unknown, so a model is never skipped for an
 * image's sake), and {@link TOKENS_PER_MEDIA_PART} per other media part (audio, file).
 * Output: the request's cap (`max_tokens`, `max_output_tokens`,
 * `max_completion_tokens`, `maxOutputTokens`), else {@link DEFAULT_OUTPUT_TOKENS}.
 * Never throws: an unreadable request estimates as an empty one.
 *
 * @example
 * estimateRequest({ model: 'gpt-4.1', max_tokens: 256, messages: [{ role: 'user', content: 'Hello there' }] })
 * // → { inputTokens: 10, outputTokens: 256 }  (3 chars-tokens + 4 per message + 3 per request)
 */
export function estimateRequest(request: unknown, tokenizer?: (text: string) => number, options: EstimateOptions = {}): RequestEstimate {
  const defaultOut = nonNegInt(options.defaultOutputTokens) ?? DEFAULT_OUTPUT_TOKENS;
  const t: Tally = { texts: [], messages: 0, media: 0, images: 0, nodes: 0 };
  let outputTokens = defaultOut;
  try {
    const b = bag(request);
    if (typeof request === 'string') t.texts.push(request);
    else if (b) {
      walk(b, t, 0, false);
      const cap = [b.max_tokens, b.max_output_tokens, b.max_completion_tokens, b.maxOutputTokens, b.maxTokens].map(nonNegInt).find((x) => x !== undefined);
      if (cap !== undefined) outputTokens = cap;
    }
  } catch {
    // A throwing getter: keep what was read so far.
  }
  let text = 0;
  for (const s of t.texts) text += countText(s, tokenizer);
  return Object.freeze({
    inputTokens: text + t.messages * TOKENS_PER_MESSAGE + t.images + t.media * TOKENS_PER_MEDIA_PART + TOKENS_PER_REQUEST,
    outputTokens,
  });
}

function countText(s: string, tokenizer: ((text: string) => number) | undefined): number {
  if (tokenizer) {
    try {
      const n = tokenizer(s);
      if (typeof n === 'number' && Number.isFinite(n) && n >= 0) return Math.ceil(n);
    } catch {
      // A tokenizer bug must not fail the call: fall back to the heuristic.
    }
  }
  return Math.ceil(s.length / CHARS_PER_TOKEN);
}
