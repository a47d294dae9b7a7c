import type { Usage } from '../usage/extract.js';

/** What admission counts for a call it cannot estimate: input tokens and output tokens. */
export interface LearnedWeight {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Half-life of a usage sample: after a minute a call counts half as much as one just finished. */
export const WEIGHT_HALF_LIFE_MS = 60_000;
/** Models whose recent usage is kept; past this the one updated longest ago is dropped. */
export const MAX_WEIGHT_MODELS = 2_048;

const DECAY_PER_MS = Math.LN2 / WEIGHT_HALF_LIFE_MS;
/** Below this many (decayed) calls the learned usage is forgotten (the prior is all that is left): 30 half-lives of silence after one call. */
const MIN_COUNT = 1e-9;

/** Time-decayed sums of one model's usage: count, and per dimension the sum and the sum of squares; and the most output a call wrote. */
interface Sums {
  at: number;
  n: number;
  in: number;
  in2: number;
  out: number;
  out2: number;
  /** The most output tokens one call wrote (not aged: kept while the sums are). */
  outMax: number;
  /** The weight last handed out for the model: handed out again while its two figures stay the same (no object per call). */
  w: LearnedWeight | undefined;
}

/**
 * The weight of a call that carries no `request` (nothing to estimate its
 * tokens from), learned from the model's recent real usage.
 *
 * Per dimension the mean plus one standard deviation of the calls it finished,
 * each call counting less as it ages (half as much after {@link WEIGHT_HALF_LIFE_MS}).
 * Mean plus a deviation, not the mean: a call's share is taken before its size
 * is known, and counting the typical call a little high costs a spill where
 * counting it low costs a 429. The `prior` (the default estimate) counts as one
 * call that never ages: a model with no usage yet weighs the prior, one with a
 * single finished call half of each, and one busy with calls in the last
 * minutes its real usage. A model idle for many minutes drifts back to the prior.
 *
 * With `longestOutput` (buckets shared between processes), output is instead
 * the most output tokens one of the model's calls wrote. The providers count a
 * call's output cap (`max_tokens`), not what it will write: Anthropic while the
 * answer is written, OpenAI for good. No call writes more than its cap, so the
 * largest output seen is the closest the client can get to that cap without
 * the request. Weighed at a typical call instead, a call holds less than the
 * provider holds for it while it runs (or, blended with the prior, more), and
 * on shared buckets, which readings only ever lower, that difference let
 * bursts through a window the headers do not show. Kept while the model's
 * usage is (forgotten after a long idle spell), so a lower cap is seen only
 * then; a call that passes `request` is weighed by its own cap. Local buckets
 * keep the typical call: there the longer weight cost latency and 429s with
 * many workers on one key (each learns its share from what it sent).
 *
 * Memory: seven numbers per model, at most {@link MAX_WEIGHT_MODELS} models.
 * Time comes only from the `now` passed in (the client's clock).
 */
export class UsageWeights {
  readonly #models = new Map<string, Sums>();
  /** The model updated last (the map's last entry while it is in the map). */
  #last: string | undefined;
  /** `#last`'s sums while they are in the map, else undefined: a steady caller of one model finds them without a look-up. */
  #lastSums: Sums | undefined;
  readonly #prior: LearnedWeight;
  readonly #longest: boolean;

  /** `longestOutput`: weigh output at the longest answer (buckets shared between processes); otherwise as input. */
  constructor(prior: LearnedWeight, options?: { readonly longestOutput?: boolean }) {
    this.#prior = prior;
    this.#longest = options?.longestOutput === true;
  }

  /** A finished call's real usage on `model`. Invalid or empty usage is ignored. */
  record(model: string, usage: Usage | undefined, now: number): void {
    if (!usage || usage.invalid !== undefined || usage.inputTokens + usage.outputTokens <= 0) return;
    let s = this.#current(model, now);
    // Re-inserted below so the map stays ordered by last update; already last (a steady caller of one model): left in place.
    const inPlace = s !== undefined && s === this.#lastSums;
    if (s) {
      if (!inPlace) this.#models.delete(model);
    } else {
      s = { at: now, n: 0, in: 0, in2: 0, out: 0, out2: 0, outMax: 0, w: undefined };
    }
    s.n += 1;
    s.in += usage.inputTokens;
    s.in2 += usage.inputTokens ** 2;
    s.out += usage.outputTokens;
    s.out2 += usage.outputTokens ** 2;
    if (usage.outputTokens > s.outMax) s.outMax = usage.outputTokens;
    if (inPlace) return;
    this.#models.set(model, s);
    this.#last = model;
    this.#lastSums = s;
    if (this.#models.size > MAX_WEIGHT_MODELS) this.#models.delete(this.#models.keys().next().value!);
  }

  /** The weight to count for a call on `model` without a request: learned, or the prior before any usage. */
  weight(model: string, now: number): LearnedWeight {
    const s = this.#current(model, now);
    if (!s) return this.#prior;
    // Shared buckets: output at the most a call wrote (see the class comment); no call wrote any yet: the blend.
    const outputTokens = this.#longest && s.outMax > 0 ? s.outMax : blend(this.#prior.outputTokens, s.out, s.out2, s.n);
    const inputTokens = blend(this.#prior.inputTokens, s.in, s.in2, s.n);
    // Whole numbers of tokens: a steady model weighs the same for many calls in a row. The weight is never changed by its readers.
    const last = s.w;
    if (last !== undefined && last.inputTokens === inputTokens && last.outputTokens === outputTokens) return last;
    return (s.w = { inputTokens, outputTokens });
  }

  forget(model: string): void {
    this.#models.delete(model);
    if (model === this.#last) this.#lastSums = undefined;
  }

  /** Models with learned usage (for tests of the bound). */
  get size(): number {
    return this.#models.size;
  }

  /** `model`'s sums aged to `now`; undefined (and dropped) once what is left is too little to mean anything. */
  #current(model: string, now: number): Sums | undefined {
    const s = model === this.#last ? this.#lastSums : this.#models.get(model);
    if (!s) return undefined;
    const dt = now - s.at;
    if (!(dt > 0)) return s; // same instant, or a clock set back: nothing ages
    const f = Math.exp(-DECAY_PER_MS * dt);
    if (s.n * f < MIN_COUNT) {
      // Idle for many half-lives: the weight is the prior's already; drop the vanishing sums.
      this.forget(model);
      return undefined;
    }
    s.at = now;
    s.n *= f;
    s.in *= f;
    s.in2 *= f;
    s.out *= f;
    s.out2 *= f;
    return s;
  }
}

/** Mean plus one standard deviation of decayed sums, blended with the prior counted as one call; rounded up. */
function blend(prior: number, sum: number, sumSq: number, n: number): number {
  const mean = sum / n;
  const upper = mean + Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  return Math.ceil((prior + n * upper) / (1 + n));
}
