// The client examples/providers-ai-sdk.ts shares with its middleware: the chain
// is gpt-4.1 then gpt-4.1-mini, and every attempt's outcome is printed.
import { ResilientClient } from 'llm-resilience';

export const client = new ResilientClient({ models: ['gpt-4.1', 'gpt-4.1-mini'], retry: { maxRetries: 2 } });
client.on('retry', (e) => console.log(`retry ${e.model} in ${e.delayMs} ms (${e.reason})`));
client.on('fallback', (e) => console.log(`fallback ${e.from} -> ${e.to} (${e.reason})`));
client.on('success', (e) => console.log(`${e.model} answered in ${e.latencyMs} ms`));
