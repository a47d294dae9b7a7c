// What `run` rejects with, and how to tell the cases apart. Offline: the
// models are scripted fakes. Run: npx tsx examples/handling-errors.ts
import {
  ResilientClient,
  isAllModelsFailedError,
  isCircuitOpenError,
  isConfigError,
  isResilienceError,
} from 'llm-resilience';
import { createFakeClock, createFakeProvider, step } from 'llm-resilience/testing';

const clock = createFakeClock();
const provider = createFakeProvider(clock, {
  'claude-sonnet-4-6': [step.quota()], // 429 insufficient_quota: not retried, falls back
  'gpt-4.1': [step.serverError(503)], // retried, then given up
});

// A bad option is refused at construction, naming the path, expectation and value.
try {
  new ResilientClient({ models: ['gpt-4.1'], retry: { maxRetries: -1 } });
} catch (error) {
  if (isConfigError(error)) console.log(error.issues); // [{ path: 'retry.maxRetries', message: 'expected a non-negative integer, received -1' }]
}

const client = new ResilientClient({ models: ['claude-sonnet-4-6', 'gpt-4.1'], retry: { maxRetries: 1 }, clock });

async function ask(): Promise<void> {
  try {
    const reply = await client.run(provider.call);
    console.log(reply.content);
  } catch (error) {
    if (isAllModelsFailedError(error)) {
      // Every model in the chain failed; each one's own error is kept, untouched.
      for (const f of error.failures) {
        const open = isCircuitOpenError(f.error) ? ` (breaker open, probe in ${f.error.retryAfterMs} ms)` : '';
        console.log(`${f.model}: ${f.reason}${open}`, (f.error as { status?: number }).status ?? '');
      }
      if (error.retryAfterMs !== undefined) console.log(`worth trying again in ${error.retryAfterMs} ms`);
    } else if (isResilienceError(error)) {
      console.log(`refused by the library: ${error.code}`); // e.g. DISPOSED
    } else {
      throw error; // the provider's own error (a 400, your abort): not worth another model
    }
  }
}

const pending = ask();
await clock.advance(60_000); // the fake clock: backoff sleeps pass instantly
await pending;
client.dispose();
