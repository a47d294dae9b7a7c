import type { RateLimitInfo } from '../providers/ratelimit-headers.js';

/** What this process has sent since the provider's last headers were read. */
export interface Spent {
  readonly requests: number;
  readonly tokens: number;
}

/**
 * The clock time to hold a call of `weight` tokens until, judging by the latest
 * provider headers, or `undefined` to send it now. Pure: tested with tables.
 *
 * A dimension counts only while its reset is in the future; what was admitted
 * since the headers were read is subtracted, so ten callers do not all rush
 * through a gap of one.
 */
export function headroomWaitUntil(info: RateLimitInfo | undefined, spent: Spent, weight: number, nowMs: number, minRemainingRequests: number): number | undefined {
  if (!info) return undefined;
  let until: number | undefined;
  const hold = (resetAt: number | undefined) => {
    if (resetAt !== undefined && resetAt > nowMs && (until === undefined || resetAt > until)) until = resetAt;
  };
  const r = info.requests;
  if (r?.remaining !== undefined && r.remaining - spent.requests <= minRemainingRequests) hold(r.resetAt);
  const t = info.tokens;
  if (t?.remaining !== undefined && t.remaining - spent.tokens < weight) hold(t.resetAt);
  // Anthropic splits tokens into input and output: an exhausted side blocks the call too.
  if (info.inputTokens?.remaining !== undefined && info.inputTokens.remaining <= 0) hold(info.inputTokens.resetAt);
  if (info.outputTokens?.remaining !== undefined && info.outputTokens.remaining <= 0) hold(info.outputTokens.resetAt);
  return until;
}
