/**
 * Section 2: a per-model cost budget on the expensive primary. Settled spend
 * crosses 90% (`budget:warning`, and the monitor's budget alert); the next
 * call does not fit its reservation, so the `fallback` action sends it to the
 * cheaper model in the chain. Ends with `client.budgetSnapshot()` as a table.
 */
import { step } from 'llm-resilience/testing';
import type { Demo } from './harness.js';

export const EXPENSIVE = 'claude-opus-4-6'; // $5 in / $25 out per million tokens
export const CHEAP = 'claude-haiku-4-5'; // $1 in / $5 out
/** The expensive model's daily limit: four calls (4 × $0.0225 = $0.09, 95%) fit, a fifth does not. */
export const EXPENSIVE_DAY_USD = 0.095;

// Every call reserves its worst case up front: 2,000 input + 500 output tokens.
const ESTIMATE = { inputTokens: 2_000, outputTokens: 500 };
const USAGE = { input_tokens: 2_000, output_tokens: 500 }; // what the provider reports

export async function budgetFallback(demo: Demo): Promise<void> {
  const { provider } = demo;
  demo.heading('5. Budget: a warning at 90%, then the cheaper model takes over');
  const client = demo.client({
    models: [EXPENSIVE, CHEAP],
    budget: {
      models: { [EXPENSIVE]: { maxCostUsd: EXPENSIVE_DAY_USD, action: 'fallback' } },
      day: { maxCostUsd: 1 }, // all models together
      thresholds: [0.9],
    },
  });
  provider.script(EXPENSIVE, [step.success({ latencyMs: 800, usage: USAGE })]);
  provider.script(CHEAP, [step.success({ latencyMs: 400, usage: USAGE })]);
  demo.note(`${EXPENSIVE} may spend $${EXPENSIVE_DAY_USD} a day; each call reserves $0.0225 on it, $0.0045 on ${CHEAP}`);

  for (let i = 1; i <= 6; i++) {
    await demo.request(client, `summary ${i}`, { taskId: `report-${i}`, estimate: ESTIMATE });
    await demo.wait(2_000);
  }

  const snapshot = await client.budgetSnapshot();
  if (!snapshot) return;
  demo.print('\nclient.budgetSnapshot()');
  const head = ['scope', 'key', 'action', 'spent', 'limit', 'remaining'];
  const usd = (n: number | null) => (n === null ? '—' : `$${n.toFixed(4)}`);
  const body = snapshot.scopes.map((s) => [s.scope, s.key, s.action, usd(s.costUsd), usd(s.limitUsd), usd(s.remainingUsd)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const fmt = (r: readonly string[]) => `| ${r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  demo.print(fmt(head));
  demo.print(`|${widths.map((w, i) => `${'-'.repeat(w + 1)}${i < 3 ? '-' : ':'}`).join('|')}|`);
  for (const r of body) demo.print(fmt(r));
}
