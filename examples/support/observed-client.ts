// The client the observability examples watch (docs/observability.md): two
// models, and `traffic()` to make it do something worth seeing — the primary
// answers 503 twice, the call falls back, later calls succeed. Offline.
import { ResilientClient } from 'llm-resilience';
import { FakeAPIError } from 'llm-resilience/testing';

export const client = new ResilientClient({ models: ['gpt-4.1', 'gpt-4.1-mini'], retry: { maxRetries: 1, initialDelayMs: 10 } });

let failures = 2;
/** A few calls: the first falls back after two 503s from gpt-4.1. */
export async function traffic(calls = 3): Promise<void> {
  for (let i = 0; i < calls; i++) {
    await client.run(async ({ model }) => {
      if (model === 'gpt-4.1' && failures-- > 0) throw new FakeAPIError(503, '503 Service unavailable', { type: 'api_error' });
      return { model, usage: { input_tokens: 12, output_tokens: 3 } };
    }, { taskId: `task-${i + 1}` });
  }
}
