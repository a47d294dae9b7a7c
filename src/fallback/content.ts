import { modelFacts } from '../catalog/catalog.js';
import { ContextWindowError, RefusedError } from '../errors/errors.js';
import type { Outcome } from './outcome.js';
import type { ContentOptions } from './content-options.js';

/** One model of a chain: its name, its position and the chain being run (see `runChain`). */
type TryModel<T> = (model: string, index: number, chain: readonly string[]) => Promise<Outcome<T>>;

type Bag = Record<string, unknown>;

/**
 * Whether a successful response is a refusal: the provider filtered it or the
 * model declined. A handful of property reads, so the success path stays cheap;
 * never throws.
 */
export function isRefusal(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  try {
    const v = value as Bag;
    // Anthropic Messages
    if (v.stop_reason === 'refusal') return true;
    // OpenAI chat: any choice cut by the filter
    const choices = v.choices;
    if (Array.isArray(choices)) {
      for (let i = 0; i < choices.length && i < 16; i++) if ((choices[i] as Bag | undefined)?.finish_reason === 'content_filter') return true;
      return false;
    }
    // OpenAI Responses
    if ((v.incomplete_details as Bag | null | undefined)?.reason === 'content_filter') return true;
    // AI SDK: generateText results, and the model-level result the middleware sees
    const fr = v.finishReason;
    return fr === 'content-filter' || (typeof fr === 'object' && fr !== null && (fr as Bag).unified === 'content-filter');
  } catch {
    return false;
  }
}

/** What the content rules know about one `run`: its size, and what the chain has learnt so far. */
export interface FitState {
  /** Input tokens of the request, when it could be estimated. */
  readonly inputTokens: number | undefined;
  /** The request's `max_tokens`, when it could be estimated. */
  readonly outputTokens: number | undefined;
  /** Smallest window a model has refused the request in: models at or below it are skipped. */
  refusedWindow: number | undefined;
  /** The first refused response, handed back when no other model answers. */
  refused: { readonly value: unknown } | undefined;
  /** The model whose refusal (response or provider error) stopped the main chain. */
  filtered: string | undefined;
}

/**
 * The content rules of one client: context-window fit before sending, a larger
 * window after a `context_length` refusal, and the refusal rule on successful
 * responses.
 */
export class ContentPolicy {
  readonly #windows: Readonly<Record<string, number>>;
  readonly #fitOutput: boolean;
  readonly onRefusal: NonNullable<ContentOptions['onRefusal']>;

  constructor(options: ContentOptions = {}) {
    this.#windows = options.contextWindows ?? {};
    this.#fitOutput = options.fitOutput ?? false;
    this.onRefusal = options.onRefusal ?? 'return';
  }

  windowOf(model: string): number | undefined {
    return Object.hasOwn(this.#windows, model) ? this.#windows[model] : modelFacts(model)?.contextWindow;
  }

  /** Why `model` cannot take this request, before anything is sent; undefined when it may. */
  skipReason(model: string, state: FitState): string | undefined {
    // Nothing to hold a window against (no input estimate, no refusal yet): the window is not looked up.
    const window = state.inputTokens !== undefined || state.refusedWindow !== undefined ? this.windowOf(model) : undefined;
    if (window !== undefined) {
      // Only the input is compared: `max_tokens` is a ceiling, and an estimate must never skip a model that fits.
      if (state.inputTokens !== undefined && state.inputTokens > window) return `about ${state.inputTokens} input tokens exceed its ${window}-token context window`;
      if (state.refusedWindow !== undefined && window <= state.refusedWindow) return `its ${window}-token context window is no larger than one that refused the request`;
    }
    if (this.#fitOutput && state.outputTokens !== undefined) {
      const max = modelFacts(model)?.maxOutputTokens;
      if (max !== undefined && state.outputTokens > max) return `max_tokens ${state.outputTokens} is above its ${max}-token output limit`;
    }
    return undefined;
  }

  /** A model that cannot take this request: its `context_length` outcome, before anything is sent; undefined when it may. */
  skipped<T>(model: string, state: FitState): Outcome<T> | undefined {
    const why = this.skipReason(model, state);
    return why === undefined ? undefined : { ok: false, kind: 'context_length', error: new ContextWindowError(model, why, state.inputTokens, this.windowOf(model)) };
  }

  /**
   * What the content rules make of one model's outcome: a context refusal's
   * window is remembered, and a refused response becomes a failure the chain
   * moves on from (when the refusal rule says so). Synchronous, so the
   * success path adds no promise of its own.
   */
  judged<T>(model: string, outcome: Outcome<T>, state: FitState): Outcome<T> {
    if (!outcome.ok) {
      if (outcome.kind === 'content_filter') state.filtered ??= model;
      if (outcome.kind === 'context_length') {
        const window = this.windowOf(model);
        if (window !== undefined && (state.refusedWindow === undefined || window < state.refusedWindow)) state.refusedWindow = window;
      }
      return outcome;
    }
    if (this.onRefusal !== 'return' && isRefusal(outcome.value)) {
      state.refused ??= { value: outcome.value };
      state.filtered ??= model;
      return { ok: false, kind: 'content_filter', error: new RefusedError(model) };
    }
    return outcome;
  }

  /** Wraps one model's try in {@link skipped} before it and {@link judged} after it. */
  wrap<T>(tryModel: TryModel<T>, state: FitState): TryModel<T> {
    return (model, index, chain) => {
      const skip = this.skipped<T>(model, state);
      if (skip) return Promise.resolve(skip);
      let pending: Promise<Outcome<T>>;
      try {
        pending = tryModel(model, index, chain);
      } catch (error) {
        return Promise.reject(error);
      }
      return pending.then((outcome) => this.judged(model, outcome, state));
    };
  }

  /** Largest known window among `models`, for the error that says none fits. */
  largestWindow(models: readonly string[]): number | undefined {
    let max: number | undefined;
    for (const m of models) {
      const w = this.windowOf(m);
      if (w !== undefined && (max === undefined || w > max)) max = w;
    }
    return max;
  }
}
