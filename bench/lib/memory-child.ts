// Long simulated run for the bounded-memory test: several days on the fake
// clock, a new task id per call, a stream of distinct model names (as a
// wrapper passing callers' models would see), budgets on every scope, the
// monitor and breakers on. Prints heap-after-GC checkpoints and state sizes as
// one JSON line. Run with --expose-gc.
import { ResilientClient } from '../../src/index.js';
import { MemoryBudgetStore } from '../../src/budget/store.js';
import { createFakeClock } from '../../src/testing/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const calls = Number(process.argv[2] ?? 20_000);
const stepMs = Number(process.argv[3] ?? 20_000);
const clock = createFakeClock();
const store = new MemoryBudgetStore();
const client = new ResilientClient({
  models: ['primary', 'secondary'],
  clock,
  random: () => 0.5,
  retry: { maxRetries: 1, initialDelayMs: 10 },
  budget: { task: { maxTokens: 100_000 }, day: { maxTokens: 1e12 }, window: { windowMs: 3_600_000, maxTokens: 1e12 }, store, taskTtlMs: 3_600_000 },
});

const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const checkpoints: { day: number; heapMB: number; storeKeys: number; extraModels: number }[] = [];
const start = clock.now();
let failed = 0;
for (let i = 0; i < calls; i++) {
  // Every other call names a model nobody has used before.
  const models = i % 2 === 0 && process.argv[4] !== 'fixed' ? [`caller-model-${i}`, 'primary'] : undefined;
  const p = client.run(
    ({ attempt }) => {
      if (i % 7 === 0 && attempt === 1) throw Object.assign(new Error('503'), { status: 503 });
      return { usage: { prompt_tokens: 20, completion_tokens: 10 } };
    },
    { taskId: `task-${i}`, estimate: { inputTokens: 50, outputTokens: 50 }, ...(models ? { models } : {}) },
  );
  await clock.advance(stepMs);
  await p.catch(() => failed++);
  if (i % Math.floor(calls / 8) === 0 || i === calls - 1) {
    checkpoints.push({
      day: Math.round(((clock.now() - start) / 86_400_000) * 100) / 100,
      heapMB: Math.round((heap() / 2 ** 20) * 100) / 100,
      storeKeys: store.keys().length,
      extraModels: client.extraModels,
    });
  }
}
client.dispose();
console.log(JSON.stringify({ calls, failed, checkpoints, openReservations: client.budget!.openReservations }));
