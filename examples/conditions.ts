// Conditions of your own: retry or fall back on answers only you can judge
// (docs/conditions.md). Offline: the models are scripted fakes on a fake clock.
// Run: npx tsx examples/conditions.ts
import { ResilientClient, isAllModelsFailedError, type ResultVerdict } from 'llm-resilience';
import { createFakeClock, createFakeProvider, step } from 'llm-resilience/testing';

const clock = createFakeClock();
const provider = createFakeProvider(clock, {
  'gpt-4.1': [step.success({ text: 'Sure! Here is the JSON you asked for' }), step.success({ text: '{"city":"Paris"}' })],
  'gpt-4.1-mini': [step.success({ text: '{"city":"Lyon"}' })],
});

// JSON that does not parse: try the same model once more (at once, no backoff), then the next one.
const isJson = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};
const textOf = (reply: { content: readonly { text: string }[] }) => reply.content.map((block) => block.text).join('');
const wantJson = (reply: { content: readonly { text: string }[] }): ResultVerdict => (isJson(textOf(reply)) ? 'accept' : { verdict: 'retry', reason: 'not JSON' });

const client = new ResilientClient({ models: ['gpt-4.1', 'gpt-4.1-mini'], clock });
client.on('retry', (e) => console.log(`retry ${e.model} (${e.reason}) after ${e.delayMs} ms`));
client.on('fallback', (e) => console.log(`fallback ${e.from} -> ${e.to} (${e.reason})`));

// Per call, typed by the call's result: `reply` is what provider.call returns.
const reply = await client.run(provider.call, { conditions: { result: wantJson } });
console.log(`answer: ${textOf(reply)}`); // {"city":"Paris"}, after one retry

// A condition that rejects every answer is bounded: each model is tried, then AllModelsFailedError.
try {
  await client.run(provider.call, { conditions: { result: () => 'fallback' } });
} catch (error) {
  if (isAllModelsFailedError(error)) console.log(error.failures.map((f) => `${f.model}: ${f.reason}`).join(', '));
}
client.dispose();
