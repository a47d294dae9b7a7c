// `llm-resilience/testing/openai`: a stand-in for `new OpenAI()`. Its own entry
// because its types are the `openai` package's (an optional peer).
export { createFakeOpenAI } from './fake-openai.js';
