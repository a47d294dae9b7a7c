// Streams that survive mid-answer (docs/stream-resume.md). Offline: a local
// stand-in for the Anthropic API on 127.0.0.1 breaks the first stream after
// "The quick brown " and answers the continuation with the rest.
// Run: npx tsx examples/stream-resume.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { ResilientClient } from 'llm-resilience';
import { wrapAnthropic } from 'llm-resilience/anthropic';

const ANSWER = 'The quick brown fox jumps over the lazy dog.';
const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    const { messages } = JSON.parse(raw) as { messages: { role: string; content: string }[] };
    const last = messages.at(-1)!;
    // A continuation ends with the partial answer as an assistant turn (a prefill).
    const prefill = last.role === 'assistant' ? last.content : '';
    const send = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    send('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } });
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    const rest = ANSWER.slice(prefill.length);
    const words = rest.match(/\s*\S+/g) ?? [];
    const cut = prefill === '' ? 3 : words.length; // the first stream breaks after three words
    for (const w of words.slice(0, cut)) send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: `${w}${prefill === '' && w === words[cut - 1] ? ' ' : ''}` } });
    if (cut < words.length) {
      send('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
    } else {
      send('content_block_stop', { index: 0 });
      send('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 11 } });
      send('message_stop', {});
    }
    res.end();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const client = new ResilientClient({
  models: ['claude-sonnet-4-6', 'claude-haiku-4-5'],
  // Continue a stream that fails after its first words, on the same model.
  stream: { resume: { model: 'same', maxResumes: 1 } },
});
client.on('stream:failed', (e) => console.log(`stream from ${e.model} failed after ${e.chunks} chunks (${e.kind})`));
client.on('stream:resumed', (e) => console.log(`resumed on ${e.resumedOn} after ${e.afterChars} characters`));

const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-offline-example', baseURL }), client);
const stream = await anthropic.messages.create({
  model: 'claude-sonnet-4-6',
  max_tokens: 256,
  messages: [{ role: 'user', content: 'Write the pangram about a fox.' }],
  stream: true,
});
let text = '';
for await (const event of stream) {
  if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
}
console.log(`answer: ${text}`);
await client.dispose();
server.close();
