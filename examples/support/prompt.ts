// The request the provider examples send, kept out of the way so each
// example's code reads exactly as its block in docs/providers.md.
export const messages = [{ role: 'user' as const, content: 'Say hello in one word.' }];
export const prompt = 'Say hello in one word.';
