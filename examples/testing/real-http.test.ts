// Recipe (docs/testing.md): the real OpenAI SDK over real HTTP (a loopback
// server), with the fake clock. The clock cannot see the network: wait until
// the client has scheduled its wait, then advance.
// Run: npx vitest run examples/testing
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ResilientClient } from 'llm-resilience';
import { wrapOpenAI } from 'llm-resilience/openai';
import { createFakeClock } from 'llm-resilience/testing';

const clock = createFakeClock();
const arrivals: number[] = []; // fake-clock time of each request
let replies = [
  { status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } } },
  { status: 200, headers: {}, body: { id: 'c1', object: 'chat.completion', created: 0, model: 'gpt-4.1', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] } },
];
const server = createServer((req, res) => {
  arrivals.push(clock.now());
  const reply = replies.shift()!;
  req.resume().on('end', () => res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(reply.body)));
});
beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('retries the real SDK’s 429 exactly 2 s later on the fake clock', async () => {
  const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const client = new ResilientClient({ models: ['gpt-4.1'], clock, monitor: false });
  const openai = wrapOpenAI(new OpenAI({ apiKey: 'test', baseURL }), client);

  const answer = openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
  const wait = await clock.waitForTimer(); // the 429 arrived over HTTP; the retry's wait is scheduled
  expect(wait.delayMs).toBe(2_000);
  await clock.advance(wait.delayMs);
  expect((await answer).choices[0]?.message.content).toBe('hi');
  expect(arrivals[1]! - arrivals[0]!).toBe(2_000);
  client.dispose();
  replies = [];
});
