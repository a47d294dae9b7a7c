export { createFakeClock } from './fake-clock.js';
export type { FakeClock, FakeClockOptions, PendingTimer } from './fake-clock.js';
export { createFakeProvider, step, FakeAPIError } from './fake-provider.js';
export type { FakeProvider, FakeStep, FakeCall, FakeResponse, FakeUsage, FakeResult, FakeErrorBody } from './fake-provider.js';
// The SDK stand-ins have entries of their own (`llm-resilience/testing/openai`,
// `llm-resilience/testing/anthropic`): their types name the SDKs' types, and a
// user of the fake clock may have neither SDK installed.
// The stream classes are reachable through the fakes' results; exported for `instanceof` checks in tests.
export { FakeStream } from './fake-sdk.js';
export { FakeMessageStream } from './fake-message-stream.js';
