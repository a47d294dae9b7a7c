// `llm-resilience/testing/anthropic`: a stand-in for `new Anthropic()`. Its own
// entry because its types are the `@anthropic-ai/sdk` package's (an optional peer).
export { createFakeAnthropic } from './fake-anthropic.js';
