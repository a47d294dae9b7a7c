import { describe, expect, it } from 'vitest';
import { ResilientClient, isContextWindowError } from '../../src/index.js';
import { anthropicImageTokens, imagePartTokens, openAIImageTokens, sizeOf } from '../../src/usage/image-tokens.js';
import { estimateRequest } from '../../src/usage/estimate.js';
import { createFakeClock } from '../../src/testing/index.js';

const b64 = (bytes: number[]) => btoa(String.fromCharCode(...bytes));
const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const be16 = (n: number) => [(n >>> 8) & 255, n & 255];
const le16 = (n: number) => [n & 255, (n >>> 8) & 255];
const le24 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255];
const chars = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Just enough of each format's header for its size. */
const png = (w: number, h: number) => b64([0x89, ...chars('PNG\r\n\x1a\n'), 0, 0, 0, 13, ...chars('IHDR'), ...be32(w), ...be32(h), 8, 6, 0, 0, 0]);
const gif = (w: number, h: number) => b64([...chars('GIF89a'), ...le16(w), ...le16(h), 0, 0, 0]);
const jpeg = (w: number, h: number) =>
  b64([0xff, 0xd8, 0xff, 0xe0, ...be16(16), ...chars('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xc0, ...be16(17), 8, ...be16(h), ...be16(w), 3, 0, 0, 0]);
const webp = (w: number, h: number) => b64([...chars('RIFF'), 0, 0, 0, 0, ...chars('WEBPVP8X'), 10, 0, 0, 0, 0, 0, 0, 0, ...le24(w - 1), ...le24(h - 1), 0, 0]);

describe('image sizes from the image header', () => {
  it.each([
    ['PNG', png(1024, 768)],
    ['GIF', gif(1024, 768)],
    ['JPEG', jpeg(1024, 768)],
    ['WebP', webp(1024, 768)],
    ['a data URL', `data:image/png;base64,${png(1024, 768)}`],
  ])('reads %s', (_name, image) => {
    expect(sizeOf(image)).toEqual({ width: 1024, height: 768 });
  });

  it('reads bytes, and knows nothing of a URL or garbage', () => {
    expect(sizeOf(Uint8Array.from(atob(gif(10, 20)), (c) => c.charCodeAt(0)))).toEqual({ width: 10, height: 20 });
    expect(sizeOf('https://example.com/cat.png')).toBeUndefined();
    expect(sizeOf('not base64 at all!')).toBeUndefined();
    expect(sizeOf('AAAA')).toBeUndefined();
  });
});

describe("each provider's documented image rule", () => {
  it.each([
    ['low detail, any size', 'low', { width: 4096, height: 4096 }, 85],
    ['high, 1024 × 1024: 4 tiles', 'high', { width: 1024, height: 1024 }, 765],
    ['high, 2048 × 4096: scaled to 768 × 1536, 6 tiles', 'high', { width: 2048, height: 4096 }, 1_105],
    ['high, 512 × 512: one tile', 'high', { width: 512, height: 512 }, 255],
    ['auto may choose low: counted low', 'auto', { width: 1024, height: 1024 }, 85],
    ['high without a known size: counted low', 'high', undefined, 85],
  ])('OpenAI %s', (_n, detail, size, tokens) => {
    expect(openAIImageTokens(detail, size)).toBe(tokens);
  });

  it.each([
    ['200 × 200', { width: 200, height: 200 }, 54],
    ['1000 × 1000', { width: 1_000, height: 1_000 }, 1_334],
    ['1092 × 1092', { width: 1_092, height: 1_092 }, 1_590],
    ['4000 × 4000: scaled down, capped', { width: 4_000, height: 4_000 }, 1_600],
    ['unknown size: counted low', undefined, 85],
  ])('Anthropic %s', (_n, size, tokens) => {
    expect(anthropicImageTokens(size)).toBe(tokens);
  });

  it('reads the part shapes of each SDK; an AI SDK part, whose provider is unknown, takes the lower rule', () => {
    expect(imagePartTokens({ type: 'image_url', image_url: { url: `data:image/png;base64,${png(1024, 1024)}`, detail: 'high' } })).toBe(765);
    expect(imagePartTokens({ type: 'input_image', image_url: `data:image/png;base64,${png(1024, 1024)}`, detail: 'high' })).toBe(765);
    expect(imagePartTokens({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(1_000, 1_000) } })).toBe(1_334);
    expect(imagePartTokens({ type: 'image', image: png(200, 200) })).toBe(54);
    expect(imagePartTokens({ type: 'image', image: png(1_000, 1_000) })).toBe(85);
    expect(imagePartTokens({ type: 'file', mediaType: 'image/png', data: png(200, 200) })).toBe(54);
    expect(imagePartTokens({ type: 'file', mediaType: 'application/pdf', data: 'JVBERi0=' })).toBeUndefined();
  });
});

describe('an image estimate never skips a model that would take the request', () => {
  const lowDetail = { type: 'image_url', image_url: { url: 'https://example.com/photo.jpg', detail: 'low' } };

  it('200 low-detail images are about 17,000 tokens, not 200,000', () => {
    const est = estimateRequest({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe these.' }, ...Array(200).fill(lowDetail)] }] });
    expect(est.inputTokens).toBeGreaterThanOrEqual(17_000);
    expect(est.inputTokens).toBeLessThan(17_200);
  });

  it('a request with 200 low-detail images is sent to a 128k-window model, not refused before sending', async () => {
    const client = new ResilientClient({ models: ['gpt-4o'], clock: createFakeClock() });
    const request = { model: 'gpt-4o', messages: [{ role: 'user', content: Array(200).fill(lowDetail) }] };
    let sent = 0;
    const result = await client.run(() => (sent++, 'described'), { request }).catch((e: unknown) => e);
    expect(isContextWindowError(result) ? 'refused before sending' : result).toBe('described');
    expect(sent).toBe(1);
    client.dispose();
  });
});
