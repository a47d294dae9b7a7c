import type { Judgement, ModelBreaker } from '../breaker/breaker.js';
import { modelFacts } from '../catalog/catalog.js';
import type { Classification } from '../classify/classify.js';

/**
 * The models an account stop on `model` reaches: `model` itself, and for a
 * provider-wide stop every other model among `candidates` served by the same
 * provider — named by a `{ model, provider }` chain entry, else by the catalog —
 * when `candidates` has a model of another provider to go to. A model whose
 * provider is unknown is never assumed to share the stop.
 */
export function stoppedModels(model: string, scope: Classification['scope'], candidates: Iterable<string>, providerOf: (model: string) => string | undefined): string[] {
  const out = [model];
  if (scope !== 'provider') return out;
  const of = (m: string) => providerOf(m) ?? modelFacts(m)?.provider;
  const provider = of(model);
  if (provider === undefined) return out;
  const same: string[] = [];
  let elsewhere = false;
  for (const m of candidates) {
    if (m === model || same.includes(m)) continue;
    const p = of(m);
    if (p === provider) same.push(m);
    else if (p !== undefined) elsewhere = true;
  }
  // With no other provider to go to, holding the whole provider would turn a
  // stop that may be narrower than it says (one project, one model) into a
  // certain outage; its next model costs one quick request to find out.
  return elsewhere ? [...out, ...same] : out;
}

/**
 * Opens `breaker` for the quota open period (`breaker.quotaResetTimeoutMs`, or
 * the provider's Retry-After when shorter), through its public `execute`: the
 * account stop is recorded as a quota failure of that model. An open breaker
 * is left as it is.
 */
export function holdOpen(breaker: ModelBreaker, error: unknown, retryAfterMs: number | undefined): void {
  const verdict: Judgement = retryAfterMs !== undefined ? { countsAsFailure: true, kind: 'quota', retryAfterMs } : { countsAsFailure: true, kind: 'quota' };
  breaker.execute(() => Promise.reject(error), () => verdict).catch(() => {});
}
