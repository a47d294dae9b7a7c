/**
 * Masks strings that look like credentials. Used wherever text of uncertain
 * origin could reach an event, a report, a log line or one of our messages.
 */
const PATTERNS: readonly RegExp[] = [
  /\b(sk|pk|rk)-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_-]{6,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  /\b(x-api-key|api[_-]?key|authorization)(["']?\s*[:=]\s*["']?)[^\s"',;}]{4,}/gi,
];

export function redact(text: string): string {
  let out = text;
  for (const p of PATTERNS) {
    out = out.replace(p, (_match, g1: string | undefined, g2: string | undefined) =>
      g2 !== undefined && /api|authorization/i.test(g1 ?? '') ? `${g1}${g2}[redacted]` : '[redacted]',
    );
  }
  return out;
}
