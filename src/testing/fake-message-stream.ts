/**
 * A stand-in for the Anthropic SDK's `MessageStream`: it consumes a stream of
 * Messages API events, builds the message snapshot, and tells listeners.
 */
type Listener = (...args: unknown[]) => void;
type Message = { content: { type: string; text?: string }[]; stop_reason?: unknown; stop_sequence?: unknown; usage?: Record<string, unknown> } & Record<string, unknown>;
type Event = { type: string; message?: Message; index?: number; content_block?: { type: string; text?: string }; delta?: Record<string, unknown>; usage?: Record<string, unknown> };

class FakeUserAbortError extends Error {
  constructor() {
    super('Request was aborted.');
    this.name = 'APIUserAbortError';
  }
}

export class FakeMessageStream {
  readonly controller = new AbortController();
  readonly #listeners = new Map<string, Set<{ fn: Listener; once: boolean }>>();
  readonly #events: Event[] = [];
  readonly #wakers = new Set<() => void>();
  readonly #done: Promise<void>;
  #snapshot: Message | undefined;
  #error: unknown;
  #finished = false;

  constructor(start: (signal: AbortSignal) => PromiseLike<AsyncIterable<unknown>>, signal?: AbortSignal | null) {
    if (signal) {
      if (signal.aborted) this.controller.abort(signal.reason);
      else signal.addEventListener('abort', () => this.controller.abort(signal.reason), { once: true });
    }
    this.#done = this.#run(start);
  }

  async #run(start: (signal: AbortSignal) => PromiseLike<AsyncIterable<unknown>>): Promise<void> {
    try {
      const stream = await start(this.controller.signal);
      this.#emit('connect');
      for await (const raw of stream) this.#add(raw as Event);
      if (this.controller.signal.aborted) throw new FakeUserAbortError();
      if (this.#snapshot) {
        this.#emit('message', this.#snapshot);
        this.#emit('finalMessage', this.#snapshot);
      }
    } catch (error) {
      this.#error = error;
      this.#emit(this.controller.signal.aborted ? 'abort' : 'error', error);
    } finally {
      this.#finished = true;
      this.#emit('end');
      for (const wake of this.#wakers) wake();
    }
  }

  #add(event: Event): void {
    const s = this.#snapshot;
    if (event.type === 'message_start' && event.message) this.#snapshot = { ...event.message, content: [] };
    else if (s && event.type === 'content_block_start' && event.content_block) s.content.push({ ...event.content_block });
    else if (s && event.type === 'content_block_delta' && event.delta?.type === 'text_delta') {
      const block = s.content[event.index ?? 0];
      if (block) block.text = (block.text ?? '') + String(event.delta.text);
    } else if (s && event.type === 'message_delta') {
      Object.assign(s, event.delta);
      s.usage = { ...s.usage, ...event.usage };
    }
    this.#events.push(event);
    this.#emit('streamEvent', event, this.#snapshot);
    if (event.type === 'content_block_delta' && event.delta?.type === 'text_delta') {
      this.#emit('text', event.delta.text, this.#snapshot?.content[event.index ?? 0]?.text ?? '');
    }
    for (const wake of this.#wakers) wake();
  }

  #emit(name: string, ...args: unknown[]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const l of [...set]) {
      if (l.once) set.delete(l);
      l.fn(...args);
    }
  }

  on(event: string, listener: Listener): this {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add({ fn: listener, once: false });
    return this;
  }

  once(event: string, listener: Listener): this {
    this.on(event, listener);
    [...this.#listeners.get(event)!].at(-1)!.once = true;
    return this;
  }

  off(event: string, listener: Listener): this {
    const set = this.#listeners.get(event);
    for (const l of set ?? []) if (l.fn === listener) set!.delete(l);
    return this;
  }

  get ended(): boolean {
    return this.#finished;
  }
  get errored(): boolean {
    return this.#error !== undefined;
  }
  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  abort(): void {
    this.controller.abort();
  }

  /** Resolves when the stream has ended; rejects with its error. */
  async done(): Promise<void> {
    await this.#done;
    if (this.#error !== undefined) throw this.#error;
  }

  async finalMessage(): Promise<Message> {
    await this.done();
    if (!this.#snapshot) throw new Error('stream ended without producing a Message');
    return this.#snapshot;
  }

  async finalText(): Promise<string> {
    const m = await this.finalMessage();
    return m.content.filter((b) => b.type === 'text').map((b) => b.text ?? '').join(' ');
  }

  [Symbol.asyncIterator](): AsyncIterator<Event> {
    let i = 0;
    return {
      next: async (): Promise<IteratorResult<Event>> => {
        for (;;) {
          if (i < this.#events.length) return { value: this.#events[i++]!, done: false };
          if (this.#finished) {
            if (this.#error !== undefined && !this.aborted) throw this.#error;
            return { value: undefined, done: true };
          }
          await new Promise<void>((wake) => {
            const w = () => (this.#wakers.delete(w), wake());
            this.#wakers.add(w);
          });
        }
      },
      return: async () => {
        this.abort();
        return { value: undefined, done: true };
      },
    };
  }
}
