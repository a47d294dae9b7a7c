// Compiled by optional-peers.test.ts as a user's project with `skipLibCheck: false`
// and none of the optional peers installed (no SDK, no OpenTelemetry, no Redis client).
import { ResilientClient, withRunOptions } from 'llm-resilience';
import { instrument } from 'llm-resilience/otel';
import { createFakeClock, createFakeProvider, step } from 'llm-resilience/testing';

const clock = createFakeClock();
const provider = createFakeProvider(clock, { a: [step.success()] });
const client = new ResilientClient({ models: ['a'], clock });
export const stop = instrument(client, {});
export const run = () => client.run(provider.call, withRunOptions({ taskId: 't' }) as never);
