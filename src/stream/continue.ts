/**
 * How a stream of each format is continued: what was delivered (text, blocks,
 * ids), whether it can be continued at all, the continuation request, and how
 * the continuation's chunks are renumbered so they read as the same message.
 *
 * - Anthropic Messages: the partial text becomes a prefilled assistant turn,
 *   without its trailing whitespace (the API rejects a final assistant turn
 *   that ends with whitespace); the same whitespace is dropped from the start
 *   of the continuation, where the model writes it again.
 * - OpenAI chat completions: the partial assistant message, then a user
 *   message asking to continue.
 * - AI SDK stream parts: as OpenAI chat, in the AI SDK's prompt format.
 */
import { isPreamble } from './detect.js';
import type { StreamResumeRefusal } from './errors.js';

type Bag = Record<string, unknown>;
const bag = (v: unknown): Bag | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Bag) : undefined);

export type FormatName = 'anthropic' | 'openai-chat' | 'ai-sdk';

/** What one format knows of the answer delivered so far, across every part. */
export interface Delivered {
  /** The answer text delivered, across every part. */
  text: string;
  /** Why the stream cannot be continued, once something in it said so. */
  refusal: StreamResumeRefusal | undefined;
  /** The provider reported the end of the answer (stop / finish reason). */
  finished: boolean;
}

export interface Format {
  readonly name: FormatName;
  readonly delivered: Delivered;
  /** Records a chunk handed to the caller (already renumbered). */
  see(chunk: unknown): void;
  /** Why this request cannot be continued, if it cannot. */
  refuseRequest(request: unknown): StreamResumeRefusal | undefined;
  /** The continuation request, or undefined when the request has no message list to extend. */
  continuation(request: unknown, instruction: string): unknown;
  /** Renumbers one chunk of the continuation; undefined drops it. One per continuation. */
  remapper(): (chunk: unknown) => unknown;
}

const ANTHROPIC_EVENTS = new Set(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'ping']);
const AI_SDK_PARTS = new Set(['stream-start', 'response-metadata', 'text-start', 'text-delta', 'text-end', 'finish', 'raw', 'error']);

/** The format of a stream from its first delivered chunk; undefined when it cannot be continued. */
export function formatOf(chunk: unknown, aiSdk: boolean): Format | undefined {
  const c = bag(chunk);
  if (!c) return undefined;
  if (aiSdk) return typeof c.type === 'string' ? new AiSdkFormat() : undefined;
  if (typeof c.type === 'string') return ANTHROPIC_EVENTS.has(c.type) ? new AnthropicFormat() : AI_SDK_PARTS.has(c.type) ? new AiSdkFormat() : undefined;
  return Array.isArray(c.choices) ? new OpenAIChatFormat() : undefined;
}

const messagesOf = (request: unknown): unknown[] | undefined => {
  const m = bag(request)?.messages;
  return Array.isArray(m) ? m : undefined;
};

/** The longest start of `text` that is also a start of `ws`. */
function sharedStart(text: string, ws: string): number {
  let i = 0;
  while (i < text.length && i < ws.length && text[i] === ws[i]) i++;
  return i;
}

class AnthropicFormat implements Format {
  readonly name = 'anthropic';
  readonly delivered: Delivered = { text: '', refusal: undefined, finished: false };
  /** Blocks delivered (the next new block's index), and the last one's kind and state. */
  #blocks = 0;
  #lastIsText = false;
  #lastStopped = false;

  see(chunk: unknown): void {
    const c = bag(chunk);
    if (!c) return;
    if (c.type === 'content_block_start') {
      const type = bag(c.content_block)?.type;
      if (type === 'tool_use' || type === 'server_tool_use' || type === 'mcp_tool_use') this.delivered.refusal ??= 'tool-call';
      else if (type === 'thinking' || type === 'redacted_thinking') this.delivered.refusal ??= 'reasoning';
      this.#blocks = Math.max(this.#blocks, Number(c.index) + 1);
      this.#lastIsText = type === 'text';
      this.#lastStopped = false;
    } else if (c.type === 'content_block_delta') {
      const d = bag(c.delta);
      if (d?.type === 'text_delta' && typeof d.text === 'string') this.delivered.text += d.text;
    } else if (c.type === 'content_block_stop') {
      this.#lastStopped = true;
    } else if (c.type === 'message_delta' && bag(c.delta)?.stop_reason) {
      this.delivered.finished = true;
    }
  }

  refuseRequest(request: unknown): StreamResumeRefusal | undefined {
    const r = bag(request);
    if (!r || !messagesOf(r)) return 'unsupported-request';
    const thinking = bag(r.thinking)?.type;
    if (thinking !== undefined && thinking !== 'disabled') return 'reasoning';
    if (r.output_format !== undefined || bag(r.output_config)?.format !== undefined) return 'structured-output';
    return undefined;
  }

  continuation(request: unknown): unknown {
    const r = bag(request)!;
    const messages = [...messagesOf(r)!];
    const last = bag(messages.at(-1));
    // A prefill of your own is part of the answer the model continues; the text after it is ours.
    let prefill = this.delivered.text;
    if (last?.role === 'assistant') {
      if (typeof last.content === 'string') prefill = last.content + prefill;
      else return undefined; // a prefill in blocks: not rebuilt
      messages.pop();
    }
    const trimmed = prefill.trimEnd();
    if (trimmed !== '') messages.push({ role: 'assistant', content: trimmed });
    return { ...r, messages };
  }

  remapper(): (chunk: unknown) => unknown {
    const blocks = this.#blocks;
    const open = this.#lastIsText ? blocks - 1 : undefined;
    const stopped = this.#lastStopped;
    // What the prefill left out: the model starts the continuation with it again.
    let skip = this.delivered.text.slice(this.delivered.text.trimEnd().length);
    let merge: boolean | undefined;
    return (chunk) => {
      const c = bag(chunk);
      if (!c) return chunk;
      if (c.type === 'message_start') return undefined; // a second one would restart the caller's message
      if (c.type !== 'content_block_start' && c.type !== 'content_block_delta' && c.type !== 'content_block_stop') return chunk;
      const j = Number(c.index);
      if (c.type === 'content_block_start' && j === 0) merge = open !== undefined && bag(c.content_block)?.type === 'text';
      const first = j === 0 && merge === true;
      const index = first ? open! : (merge ? open! : blocks) + j;
      if (first && c.type === 'content_block_start') return undefined; // the block is already open for the caller
      if (first && c.type === 'content_block_stop' && stopped) return undefined;
      if (first && c.type === 'content_block_delta' && skip !== '') {
        const d = bag(c.delta);
        if (d?.type === 'text_delta' && typeof d.text === 'string') {
          const k = sharedStart(d.text, skip);
          skip = k === d.text.length ? skip.slice(k) : '';
          if (k === d.text.length) return undefined;
          return { ...c, index, delta: { ...d, text: d.text.slice(k) } };
        }
      }
      return { ...c, index };
    };
  }
}

class OpenAIChatFormat implements Format {
  readonly name = 'openai-chat';
  readonly delivered: Delivered = { text: '', refusal: undefined, finished: false };
  #id: unknown;

  see(chunk: unknown): void {
    const c = bag(chunk);
    if (!c) return;
    this.#id ??= c.id;
    const choices = Array.isArray(c.choices) ? c.choices : [];
    if (choices.length > 1) this.delivered.refusal ??= 'multiple-choices';
    for (const ch of choices) {
      const choice = bag(ch);
      if (!choice) continue;
      if (Number(choice.index ?? 0) !== 0) this.delivered.refusal ??= 'multiple-choices';
      const d = bag(choice.delta);
      if (d?.tool_calls || d?.function_call) this.delivered.refusal ??= 'tool-call';
      if (d?.reasoning_content || d?.reasoning) this.delivered.refusal ??= 'reasoning';
      if (d?.refusal) this.delivered.refusal ??= 'refusal';
      if (choice.logprobs !== null && choice.logprobs !== undefined) this.delivered.refusal ??= 'logprobs';
      if (typeof d?.content === 'string') this.delivered.text += d.content;
      if (choice.finish_reason) this.delivered.finished = true;
    }
  }

  refuseRequest(request: unknown): StreamResumeRefusal | undefined {
    const r = bag(request);
    if (!r || !messagesOf(r)) return 'unsupported-request';
    if (typeof r.n === 'number' && r.n > 1) return 'multiple-choices';
    if (r.logprobs === true || r.top_logprobs !== undefined) return 'logprobs';
    const format = bag(r.response_format)?.type;
    if (format === 'json_schema' || format === 'json_object') return 'structured-output';
    if (r.reasoning_effort !== undefined) return 'reasoning';
    return undefined;
  }

  continuation(request: unknown, instruction: string): unknown {
    const r = bag(request)!;
    return { ...r, messages: [...messagesOf(r)!, { role: 'assistant', content: this.delivered.text }, { role: 'user', content: instruction }] };
  }

  remapper(): (chunk: unknown) => unknown {
    const id = this.#id;
    return (chunk) => {
      const c = bag(chunk);
      if (!c) return chunk;
      if (isPreamble(c)) return undefined; // a second role-only opening: nothing for the caller
      return id === undefined ? c : { ...c, id };
    };
  }
}

class AiSdkFormat implements Format {
  readonly name = 'ai-sdk';
  readonly delivered: Delivered = { text: '', refusal: undefined, finished: false };
  /** The id of the text part still open for the caller (started, not ended). */
  #open: unknown;

  see(chunk: unknown): void {
    const c = bag(chunk);
    if (!c || typeof c.type !== 'string') return;
    const t = c.type;
    if (t === 'text-start') this.#open = c.id;
    else if (t === 'text-end') this.#open = undefined;
    else if (t === 'text-delta' && typeof c.delta === 'string') this.delivered.text += c.delta;
    else if (t.startsWith('tool-')) this.delivered.refusal ??= 'tool-call';
    else if (t.startsWith('reasoning')) this.delivered.refusal ??= 'reasoning';
    else if (t === 'finish') this.delivered.finished = true;
  }

  refuseRequest(request: unknown): StreamResumeRefusal | undefined {
    const r = bag(request);
    if (!r || !Array.isArray(r.prompt)) return 'unsupported-request';
    if (bag(r.responseFormat)?.type === 'json') return 'structured-output';
    return undefined;
  }

  continuation(request: unknown, instruction: string): unknown {
    const r = bag(request)!;
    const text = (value: string) => [{ type: 'text', text: value }];
    return { ...r, prompt: [...(r.prompt as unknown[]), { role: 'assistant', content: text(this.delivered.text) }, { role: 'user', content: text(instruction) }] };
  }

  remapper(): (chunk: unknown) => unknown {
    const open = this.#open;
    let from: unknown;
    return (chunk) => {
      const c = bag(chunk);
      if (!c) return chunk;
      if (c.type === 'stream-start' || c.type === 'response-metadata') return undefined;
      // The continuation's first text part goes on in the part the caller has open.
      if (c.type === 'text-start' && open !== undefined && from === undefined) {
        from = c.id;
        return undefined;
      }
      if ((c.type === 'text-delta' || c.type === 'text-end') && from !== undefined && c.id === from) return { ...c, id: open };
      return chunk;
    };
  }
}
