// The worked example of docs/budget.md, run and checked. The blocks in that
// page are copied from this file line for line (see test/docs/code-blocks.test.ts),
// the imports included: they name only what the package exports.
import { expect, it } from 'vitest';
import { BudgetManager, FileBudgetStore, runBudgeted } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

it('docs/budget.md worked example', async () => {
  const log: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'budget-doc-'));
  const path = join(dir, 'budget.jsonl');

  const clock = createFakeClock({ start: Date.parse('2026-03-02T15:00:00Z') });
  const store = await FileBudgetStore.open(path);
  const budget = new BudgetManager(
    {
      day: { maxCostUsd: 0.05, action: 'fallback' },
      task: { maxTokens: 20_000 },
      timeZone: 'Europe/Paris',
      thresholds: [0.5, 0.9],
      store,
    },
    {
      clock,
      emitter: {
        wants: () => true,
        emit: (name, e) => log.push(`${name} ${JSON.stringify(e)}`),
      },
    },
  );

  const request = { max_tokens: 1_000, messages: [{ role: 'user', content: 'x'.repeat(4_000) }] };
  const estimate = budget.estimate(request); // { inputTokens: 1007, outputTokens: 1000 }
  const chain = ['claude-sonnet-4-6', 'gpt-4.1-mini'];
  const served: string[] = [];

  for (let call = 1; call <= 5; call++) {
    for (const model of chain) {
      const out = await runBudgeted(budget, { model, taskId: 'report-42', estimate }, async () => ({
        usage: { input_tokens: 1_010, output_tokens: 700 }, // what the provider reported
      }));
      if (out.ok) {
        served.push(model);
        break;
      }
      // out.denied.action === 'fallback': try the next, cheaper model
    }
  }

  const snapshot = await budget.snapshot();
  const day = await budget.scope('day'); // one scope, by name
  const task = await budget.scope('task', 'report-42');
  await store.close();

  expect(estimate).toEqual({ inputTokens: 1007, outputTokens: 1000 });
  expect(served).toEqual(['claude-sonnet-4-6', 'claude-sonnet-4-6', 'claude-sonnet-4-6', 'gpt-4.1-mini', 'gpt-4.1-mini']);
  expect(log.filter((l) => l.startsWith('budget:warning'))).toHaveLength(1);
  expect(log.filter((l) => l.startsWith('budget:exceeded'))).toHaveLength(2);
  expect(log.find((l) => l.startsWith('budget:exceeded'))).toContain('"used":0.04059,"reserved":0,"requested":0.018021');
  expect(snapshot.scopes[0]).toMatchObject({ scope: 'day', key: 'day:2026-03-02', costUsd: 0.043638, remainingUsd: 0.006362, resetsAt: Date.parse('2026-03-02T23:00:00Z') });
  expect(snapshot.scopes[1]).toMatchObject({ scope: 'task', usedTokens: 8_550, remainingTokens: 11_450 });
  expect(snapshot).toMatchObject({ at: clock.now(), currency: 'USD', timeZone: 'Europe/Paris', openReservations: 0 });
  // The page shows this very snapshot as JSON.
  const page = readFileSync(new URL('../../docs/budget.md', import.meta.url), 'utf8');
  expect(JSON.parse(/```json\n(\{ "at"[\s\S]*?)```/.exec(page)![1]!)).toEqual(snapshot);
  expect(day).toEqual(snapshot.scopes[0]);
  expect(task).toEqual(snapshot.scopes[1]);
  expect(await budget.scope('model', 'claude-sonnet-4-6')).toBeUndefined(); // no model budget configured

  // After a restart the day's spend is still there.
  const reopened = await FileBudgetStore.open(path);
  expect((await reopened.get('day:2026-03-02')).used.costNanos).toBe(43_638_000);
  await reopened.close();
  await rm(dir, { recursive: true, force: true });
});
