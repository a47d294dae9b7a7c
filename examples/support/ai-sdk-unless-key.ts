/**
 * Imported first by examples/providers-ai-sdk.ts. With OPENAI_API_KEY set it
 * does nothing. Without it, it starts the local stand-in (./local-api.ts) and
 * sends the AI SDK's requests for api.openai.com there.
 *
 * Why not OPENAI_BASE_URL, as ./openai-unless-key.ts does: `@ai-sdk/openai`
 * reads it when its module loads, which happens before this module's top-level
 * await has a port to give it. The AI SDK looks `fetch` up on every request,
 * so the redirect is done there instead.
 */
import { type LocalApi, startLocalApi } from './local-api.js';

const OPENAI = 'https://api.openai.com/v1';
let api: LocalApi | undefined;

const { OPENAI_API_KEY } = process.env;
if (!OPENAI_API_KEY) {
  Object.assign(process.env, { OPENAI_API_KEY: 'local-stand-in' });
  const starting = startLocalApi();
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = input instanceof Request ? undefined : String(input);
    if (url?.startsWith(OPENAI)) return realFetch((await starting).openaiBaseURL + url.slice(OPENAI.length), init);
    return realFetch(input, init);
  };
  api = await starting;
  console.log(`OPENAI_API_KEY is not set: using a local stand-in at ${api.openaiBaseURL}\n`);
}

/** Stops the stand-in, if one was started. */
export function stopLocalApi(): void {
  api?.close();
}
