/**
 * Masks strings that look like credentials. Used wherever text of uncertain
 * origin could reach an event, a report, a log line or one of our messages.
 */
const PATTERNS: readonly RegExp[] = [
  /\b(sk|pk|rk)-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_-]{6,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  /\b(x-api-key|api[_-]?key|authorization)(["']?\s*[:=]\s*["']?)[^\s"',;}]{4,}/gi,
];

// `scheme://user:password@host`: a connection string in a driver's error message.
const URL_CREDENTIALS = /(\/\/)[^@/\s"'<>]*@/g;

export function redact(text: string): string {
  let out = text;
  for (const p of PATTERNS) {
    out = out.replace(p, (_match, g1: string | undefined, g2: string | undefined) =>
      g2 !== undefined && /api|authorization/i.test(g1 ?? '') ? `${g1}${g2}[redacted]` : '[redacted]',
    );
  }
  return out.replace(URL_CREDENTIALS, '$1***@');
}

/**
 * The message of a thrown value (a store's, a driver's), credentials masked
 * and cut to `max` characters: the one form in which such a message may reach
 * an event or one of our errors.
 */
export function safeErrorMessage(error: unknown, max = 200): string {
  let text: string;
  try {
    text = String((error as { message?: unknown } | null)?.message ?? error);
  } catch {
    text = 'an error that could not be read';
  }
  // Redact before cutting: a cut could split a credential so no pattern matches it.
  return redact(text).slice(0, max);
}
