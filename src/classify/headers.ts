/**
 * Reading headers from whatever shape an SDK hands us: a fetch `Headers`
 * (openai, anthropic), a plain record (Vercel AI SDK `responseHeaders`), or a
 * `Map`. Never throws; a missing or unreadable header is `undefined`.
 */
export type HeadersLike =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | string[] | undefined>>
  | ReadonlyMap<string, string>;

export function readHeader(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  try {
    const getter = (headers as { get?: unknown }).get;
    if (typeof getter === 'function') {
      const v = getter.call(headers, name) ?? (headers instanceof Map ? getter.call(headers, name.toLowerCase()) : undefined);
      return typeof v === 'string' ? v : undefined;
    }
    const record = headers as Record<string, unknown>;
    let v = record[name];
    if (v === undefined) {
      const lower = name.toLowerCase();
      for (const key of Object.keys(record)) {
        if (key.toLowerCase() === lower) {
          v = record[key];
          break;
        }
      }
    }
    if (Array.isArray(v)) v = v[0];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The server-requested delay in ms, from `retry-after-ms` (OpenAI, Anthropic)
 * or `retry-after` (delta-seconds or an HTTP date, RFC 9110 §10.2.3). A valid
 * `retry-after-ms` wins; `retry-after` is read only without one.
 * A malformed value yields `undefined` so the caller falls back to backoff.
 */
export function parseRetryAfter(headers: unknown, nowMs: number): number | undefined {
  const ms = readHeader(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const n = Number(ms.trim());
    if (ms.trim() !== '' && Number.isFinite(n) && n >= 0) return n;
  }
  const raw = readHeader(headers, 'retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) {
    const ms = Number(raw) * 1000;
    return Number.isFinite(ms) ? ms : undefined;
  }
  // HTTP dates always contain a comma-separated weekday or a GMT zone; bare
  // numbers with signs or units are malformed, not dates.
  if (!/[a-z]/i.test(raw)) return undefined;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
