// Imported first by the framework examples: see useLocalApiUnlessKey. Without
// OPENAI_API_KEY the OpenAI Agents SDK must not try to export its traces to
// api.openai.com either; it reads this variable when it loads, hence before the await.
import { useLocalApiUnlessKey } from './local-api.js';

export { stopLocalApi } from './local-api.js';

const offline = { openai: !process.env['OPENAI_API_KEY'], anthropic: !process.env['ANTHROPIC_API_KEY'] };
if (offline.openai) process.env['OPENAI_AGENTS_DISABLE_TRACING'] = '1';
await useLocalApiUnlessKey('openai');
await useLocalApiUnlessKey('anthropic');

// The AI SDK providers' default instances (`openai`, `anthropic`) read their base
// URL when their module loads, before the stand-ins have a port: their requests
// are redirected here instead (the AI SDK looks `fetch` up on every request).
const redirects: [string, string][] = [];
if (offline.openai) redirects.push(['https://api.openai.com/v1', process.env['OPENAI_BASE_URL']!]);
if (offline.anthropic) redirects.push(['https://api.anthropic.com/v1', `${process.env['ANTHROPIC_BASE_URL']}/v1`]);
if (redirects.length > 0) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? undefined : String(input);
    const to = url === undefined ? undefined : redirects.find(([from]) => url.startsWith(from));
    return realFetch(to && url ? to[1] + url.slice(to[0].length) : input, init);
  };
}
