/**
 * Input tokens of an image part, by each provider's documented rule. The
 * estimate decides whether a model is skipped as too small for the request,
 * so wherever the rule needs something we cannot know (the image's size, which
 * provider will read an AI SDK part), it takes the lower figure: an estimate
 * must never skip a model that would have taken the request.
 *
 * - OpenAI (https://platform.openai.com/docs/guides/images-vision#calculating-costs):
 *   `detail: 'low'` costs 85 tokens; `detail: 'high'` scales the image to fit
 *   2048 × 2048, then its shortest side to 768 px, and costs 85 + 170 per
 *   512 px tile. `auto` may choose either, so it counts as `low`.
 * - Anthropic (https://docs.anthropic.com/en/docs/build-with-claude/vision#calculate-image-costs):
 *   `width × height / 750`, after an image longer than 1568 px on its long
 *   edge is scaled down, and never more than about 1,600 tokens.
 */

export const OPENAI_BASE_IMAGE_TOKENS = 85;
export const OPENAI_TILE_TOKENS = 170;
export const ANTHROPIC_PIXELS_PER_TOKEN = 750;
export const ANTHROPIC_MAX_EDGE_PX = 1_568;
export const ANTHROPIC_MAX_IMAGE_TOKENS = 1_600;
/** An image whose size cannot be read: OpenAI's smallest charge (the size of a 250 × 250 image on Anthropic). */
export const UNKNOWN_IMAGE_TOKENS = OPENAI_BASE_IMAGE_TOKENS;

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** OpenAI's rule for one image at `detail`; `size` is needed only for `high`. */
export function openAIImageTokens(detail: unknown, size: ImageSize | undefined): number {
  if (detail !== 'high' || !size) return OPENAI_BASE_IMAGE_TOKENS;
  let { width: w, height: h } = size;
  const fit = Math.min(1, 2_048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shortest = Math.min(1, 768 / Math.min(w, h));
  w *= shortest;
  h *= shortest;
  return OPENAI_BASE_IMAGE_TOKENS + OPENAI_TILE_TOKENS * Math.ceil(w / 512) * Math.ceil(h / 512);
}

/** Anthropic's rule for one image; {@link UNKNOWN_IMAGE_TOKENS} without its size. */
export function anthropicImageTokens(size: ImageSize | undefined): number {
  if (!size) return UNKNOWN_IMAGE_TOKENS;
  const scale = Math.min(1, ANTHROPIC_MAX_EDGE_PX / Math.max(size.width, size.height));
  return Math.min(ANTHROPIC_MAX_IMAGE_TOKENS, Math.ceil((size.width * scale * size.height * scale) / ANTHROPIC_PIXELS_PER_TOKEN));
}

type Bag = Record<string, unknown>;
const bag = (v: unknown): Bag | undefined => (v !== null && typeof v === 'object' ? (v as Bag) : undefined);

/**
 * Tokens of an image part in any of the request shapes we read, or undefined
 * when `part` is not an image: OpenAI chat (`image_url`) and Responses
 * (`input_image`), Anthropic (`image` with a `source`), the AI SDK (`image`
 * with `image`, or `file` with an `image/*` media type; the provider is not
 * known there, so the lower of the two rules).
 */
export function imagePartTokens(part: Bag): number | undefined {
  switch (part.type) {
    case 'image_url': {
      const url = bag(part.image_url);
      return openAIImageTokens(url?.detail, sizeOf(url?.url ?? part.image_url));
    }
    case 'input_image':
      return openAIImageTokens(part.detail, sizeOf(part.image_url));
    case 'image': {
      const source = bag(part.source);
      if (source) return anthropicImageTokens(sizeOf(source.data));
      return Math.min(OPENAI_BASE_IMAGE_TOKENS, anthropicImageTokens(sizeOf(part.image)));
    }
    case 'file': {
      const media = part.mediaType ?? part.mimeType;
      if (typeof media !== 'string' || !media.startsWith('image/')) return undefined;
      return Math.min(OPENAI_BASE_IMAGE_TOKENS, anthropicImageTokens(sizeOf(part.data)));
    }
    default:
      return undefined;
  }
}

// Enough of the file for a JPEG's frame header after a typical EXIF block.
const HEAD_BYTES = 65_536;

/** The pixel size from an image's own header (PNG, GIF, JPEG, WebP), from base64, a data URL or bytes; undefined when unreadable. */
export function sizeOf(image: unknown): ImageSize | undefined {
  try {
    const bytes = headBytes(image);
    if (!bytes) return undefined;
    const size = pngSize(bytes) ?? gifSize(bytes) ?? webpSize(bytes) ?? jpegSize(bytes);
    return size && size.width > 0 && size.height > 0 ? size : undefined;
  } catch {
    return undefined; // a malformed header: the size is unknown
  }
}

function headBytes(image: unknown): Uint8Array | undefined {
  if (image instanceof Uint8Array) return image.subarray(0, HEAD_BYTES);
  if (image instanceof ArrayBuffer) return new Uint8Array(image, 0, Math.min(HEAD_BYTES, image.byteLength));
  if (typeof image !== 'string') return undefined;
  let b64 = image;
  if (b64.startsWith('data:')) {
    const comma = b64.indexOf(',');
    if (comma < 0 || !b64.slice(0, comma).endsWith(';base64')) return undefined;
    b64 = b64.slice(comma + 1);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(b64)) return undefined; // a URL: the provider fetches it
  const chars = Math.min(b64.length, (HEAD_BYTES / 3) * 4) & ~3;
  const text = atob(b64.slice(0, chars));
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
const ascii = (b: Uint8Array, i: number, s: string) => [...s].every((c, k) => b[i + k] === c.charCodeAt(0));

function pngSize(b: Uint8Array): ImageSize | undefined {
  if (b.length < 24 || b[0] !== 0x89 || !ascii(b, 1, 'PNG') || !ascii(b, 12, 'IHDR')) return undefined;
  return { width: u32be(b, 16), height: u32be(b, 20) };
}

function gifSize(b: Uint8Array): ImageSize | undefined {
  if (b.length < 10 || !ascii(b, 0, 'GIF8')) return undefined;
  return { width: u16le(b, 6), height: u16le(b, 8) };
}

function webpSize(b: Uint8Array): ImageSize | undefined {
  if (b.length < 30 || !ascii(b, 0, 'RIFF') || !ascii(b, 8, 'WEBP')) return undefined;
  if (ascii(b, 12, 'VP8X')) return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  if (ascii(b, 12, 'VP8L')) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (ascii(b, 12, 'VP8 ')) return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  return undefined;
}

function jpegSize(b: Uint8Array): ImageSize | undefined {
  if (b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    // Start-of-frame markers carry the size; DHT (C4), JPG (C8) and DAC (CC) do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { width: u16be(b, i + 7), height: u16be(b, i + 5) };
    i += 2 + u16be(b, i + 2);
  }
  return undefined;
}
