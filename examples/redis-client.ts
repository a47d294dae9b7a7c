/**
 * One worker's client with its budget, limits and breaker state shared on
 * Redis. Run several of these against one Redis (REDIS_URL) and they share one
 * daily budget, one RPM reservoir per model, and breaker opens.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/redis-client.ts
 */
import { Redis } from 'ioredis';
import { ResilientClient } from 'llm-resilience';
import { RedisBreakerState, RedisBudgetStore, createRedisLimiter } from 'llm-resilience/redis';

export function createSharedClient(redis: Redis): ResilientClient {
  return new ResilientClient({
    models: ['claude-sonnet-4-6', 'gpt-4.1'],
    budget: { day: { maxCostUsd: 20 }, timeZone: 'Europe/Paris' },
    shared: {
      budgetStore: (deps) => new RedisBudgetStore(redis, { prefix: 'myapp:' }, deps),
      limiter: (deps) => createRedisLimiter(redis, { models: { 'gpt-4.1': { requestsPerMinute: 500 } } }, deps),
      breaker: (deps) => new RedisBreakerState(redis, { prefix: 'myapp:', syncMs: 1_000 }, deps),
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { REDIS_URL: url } = process.env;
  if (!url) {
    console.log('Set REDIS_URL to run this example (see docs/distributed.md).');
  } else {
    const redis = new Redis(url);
    const client = createSharedClient(redis);
    const answer = await client.run(async ({ model }) => ({ model, usage: { input_tokens: 10, output_tokens: 5 } }), { estimate: { inputTokens: 10, outputTokens: 5 } });
    console.log(`answered by ${answer.model}`);
    console.log(JSON.stringify(await client.budgetSnapshot(), null, 2));
    client.dispose();
    redis.disconnect();
  }
}
