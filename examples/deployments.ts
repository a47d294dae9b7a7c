// One logical model, two ways to reach it (docs/deployments.md): OpenAI direct
// and an Azure OpenAI deployment, each with its own breaker and limits.
// Offline: both point at a local stand-in where OpenAI direct is down (503) and Azure answers.
// Run: npx tsx examples/deployments.ts
import OpenAI, { AzureOpenAI } from 'openai';
import { ResilientClient } from 'llm-resilience';
import { wrapOpenAI } from 'llm-resilience/openai';
import { startDeploymentsStandIn } from './support/deployments-local.js';

const api = await startDeploymentsStandIn();
const direct = new OpenAI({ apiKey: 'sk-local-stand-in', baseURL: api.openaiBaseURL });
const azure = new AzureOpenAI({ endpoint: api.azureEndpoint, apiKey: 'local-stand-in', apiVersion: '2024-10-21' });

const client = new ResilientClient({
  models: [
    {
      model: 'gpt-4.1',
      provider: 'openai',
      deployments: [
        // The primary account first; Azure (called with its deployment name) when direct cannot serve.
        { id: 'openai', client: direct },
        { id: 'azure-eastus', client: azure, model: 'gpt-4-1-prod', priority: 1, limits: { maxConcurrent: 16 } },
      ],
    },
    { model: 'gpt-4.1-mini', provider: 'openai' },
  ],
  breaker: { volumeThreshold: 2 },
});
client.on('deployment:failover', (e) => console.log(`failover ${e.model}: ${e.from} -> ${e.to} (${e.reason})`));
client.on('breaker:open', (e) => console.log(`breaker open: ${e.deployment}`));
client.on('fallback', (e) => console.log(`fallback ${e.from} -> ${e.to}`)); // never: Azure has room

const openai = wrapOpenAI(direct, client);
for (let i = 1; i <= 4; i++) {
  const res = await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Say hello.' }] });
  console.log(`call ${i}: ${res.choices[0]?.message.content}`);
}

// With client.run, your function gets the deployment's SDK client; `model` is the name to send.
const reply = await client.run(({ client: sdk, model, signal }) =>
  ((sdk as OpenAI | undefined) ?? direct).chat.completions.create(
    { model, messages: [{ role: 'user', content: 'Say hello.' }] },
    { signal, maxRetries: 0 },
  ),
);
console.log(`call 5 (client.run): ${reply.choices[0]?.message.content}`);
const [directInfo, azureInfo] = client.snapshot().deployments!['gpt-4.1']!;
console.log(`${directInfo!.id}: ${directInfo!.breaker}, ${azureInfo!.id}: ${azureInfo!.breaker}`);

client.dispose();
api.close();
