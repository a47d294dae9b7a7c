/**
 * OpenAI chat streams report usage only when the request asks for it
 * (`stream_options.include_usage`), in a last chunk with `choices: []`. Without
 * it a budget cannot settle a streamed call, so the OpenAI wrapper adds it.
 * See https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options
 */
export interface IncludeUsageResult<R> {
  /** The request to send: the original when nothing changed, else a shallow copy. */
  readonly request: R;
  /** True when `include_usage: true` was added (tell the user once: an extra last chunk with `choices: []` appears). */
  readonly added: boolean;
}

/**
 * For an OpenAI chat-completions request with `stream: true` and no
 * `stream_options.include_usage`, returns a copy with it set to `true`; the
 * original is never mutated. An explicit `include_usage: false` is respected.
 * Requests without `messages` (Responses API `input`) are returned unchanged:
 * they always report usage. Call it only for OpenAI chat requests (the
 * Anthropic API has `messages` and `stream` too, and rejects `stream_options`).
 */
export function ensureIncludeUsage<R>(request: R): IncludeUsageResult<R> {
  if (request === null || typeof request !== 'object') return { request, added: false };
  const r = request as Record<string, unknown>;
  if (r.stream !== true || !Array.isArray(r.messages)) return { request, added: false };
  const so = r.stream_options;
  if (so !== undefined && so !== null && typeof so !== 'object') return { request, added: false };
  const existing = (so ?? {}) as Record<string, unknown>;
  if (existing.include_usage !== undefined && existing.include_usage !== null) return { request, added: false };
  return { request: { ...r, stream_options: { ...existing, include_usage: true } } as R, added: true };
}
