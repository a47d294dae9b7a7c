/**
 * A local stand-in for two ways to reach gpt-4.1, on 127.0.0.1: OpenAI direct
 * (`/v1/chat/completions`), which answers 503 (an outage of that account or
 * region), and an Azure OpenAI resource (`/openai/deployments/{name}/chat/completions`),
 * which answers. It never sees a real key.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DeploymentsStandIn {
  /** For `new OpenAI({ baseURL })`. */
  readonly openaiBaseURL: string;
  /** For `new AzureOpenAI({ endpoint })`. */
  readonly azureEndpoint: string;
  close(): void;
}

export async function startDeploymentsStandIn(): Promise<DeploymentsStandIn> {
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const model = (JSON.parse(raw || '{}') as { model?: string }).model ?? 'unknown';
    const path = (req.url ?? '').split('?')[0]!;
    if (path === '/v1/chat/completions') {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Service unavailable (local stand-in)', type: 'server_error', param: null, code: null } }));
      return;
    }
    if (/^\/openai\/deployments\/[^/]+\/chat\/completions$/.test(path)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-local',
          object: 'chat.completion',
          created: 1_767_225_600,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from Azure.', refusal: null }, finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'no route' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { openaiBaseURL: `${url}/v1`, azureEndpoint: url, close: () => server.close() };
}
