// Imported first by quickstart-anthropic.ts: see useLocalApiUnlessKey.
import { useLocalApiUnlessKey } from './local-api.js';

export { stopLocalApi } from './local-api.js';

await useLocalApiUnlessKey('anthropic');
