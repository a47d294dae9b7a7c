// Every ResilientClient option, spelled out at its default. Only `models` is
// required; leaving any other option out gives exactly what is written here.
// Run: npx tsx examples/options-defaults.ts
import { ResilientClient, systemClock, systemRandom, type ResilientClientOptions } from '../src/index.js';

export const defaultOptions = {
  models: ['claude-sonnet-4-6', 'gpt-4.1'], // required: the fallback chain, first = primary
  retry: {
    maxRetries: 3, // retries per model after the first attempt
    initialDelayMs: 500,
    multiplier: 2,
    maxDelayMs: 30_000,
    jitter: 'equal',
    maxRetryAfterMs: 60_000, // a longer Retry-After is not waited for: fall back
  },
  breaker: {
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    rollingWindowMs: 10_000,
    rollingBuckets: 10,
    resetTimeoutMs: 30_000,
  },
  timeoutMs: undefined, // no per-attempt timeout
  clock: systemClock,
  random: systemRandom,
  onListenerError: undefined, // a throwing listener is reported with process.emitWarning
} satisfies ResilientClientOptions;

if (import.meta.url === `file://${process.argv[1]}`) {
  const client = new ResilientClient(defaultOptions);
  console.log(`chain: ${client.models.join(' → ')}`);
  client.dispose();
}
