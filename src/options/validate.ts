import type { z } from 'zod';
import { ConfigError } from '../errors/errors.js';
import { redact } from '../errors/redact.js';

/** How an option's value is echoed in a message: redacted, cut, never an object's contents. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'string') {
    // Redact before cutting: a cut could split a key so the pattern no longer matches.
    const r = redact(value);
    return JSON.stringify(r.length > 40 ? `${r.slice(0, 40)}…` : r);
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return 'an object';
}

/**
 * Parses `input` with `schema`, or throws one {@link ConfigError} listing every
 * problem as `path: expected …, received …`. Unknown keys are reported by name
 * only — never by value, which might be a credential put in the wrong place.
 */
export function validateOptions<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  let result: z.ZodSafeParseResult<z.output<S>>;
  try {
    result = schema.safeParse(input, { reportInput: true }) as z.ZodSafeParseResult<z.output<S>>;
  } catch {
    // A getter that throws, a revoked proxy: still a configuration error, not a crash.
    throw unreadable(input, root);
  }
  if (result.success) return result.data;
  const issues: { path: string; message: string }[] = [];
  collect(result.error.issues, [], root, issues);
  throw new ConfigError(issues);
}

function collect(list: readonly z.core.$ZodIssue[], prefix: PropertyKey[], root: string, issues: { path: string; message: string }[]): void {
  for (const issue of list) {
    // A union such as `retry: RetryOptions | false` fails as a whole; report the
    // branch that got furthest (the nested object), not "invalid input".
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const deepest = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0]!;
      if (depth(deepest) > 0) {
        collect(deepest, [...prefix, ...issue.path], root, issues);
        continue;
      }
    }
    const base = [root, ...prefix.map(String), ...issue.path.map(String)].filter(Boolean).join('.') || '(options)';
    if (issue.code === 'unrecognized_keys') {
      // Key names are echoed (redacted: a key pasted as a property name is still a key).
      for (const key of issue.keys) issues.push({ path: redact(base === '(options)' ? key : `${base}.${key}`), message: 'unknown option' });
      continue;
    }
    const expected = issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`;
    issues.push({ path: base, message: `${expected}, received ${describeValue(issue.input)}` });
  }
}

const depth = (branch: readonly z.core.$ZodIssue[]): number => Math.max(0, ...branch.map((i) => i.path.length));

/** The {@link ConfigError} for options that threw while being read, naming the deepest path that threw. */
export function unreadable(input: unknown, root = ''): ConfigError {
  const path = [root, ...(throwingPath(input, new Set()) ?? [])].filter(Boolean).join('.') || '(options)';
  return new ConfigError([{ path: redact(path), message: 'expected readable options, received a value that threw while being read' }]);
}

// Walks plain data looking for the property whose read throws. Bounded: option objects are small and shallow.
function throwingPath(value: unknown, seen: Set<object>, depth = 0): string[] | undefined {
  if (typeof value !== 'object' || value === null || seen.has(value) || depth > 8) return undefined;
  seen.add(value);
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch {
    return [];
  }
  for (const key of keys) {
    let child: unknown;
    try {
      child = (value as Record<string, unknown>)[key];
    } catch {
      return [key];
    }
    const below = throwingPath(child, seen, depth + 1);
    if (below) return [key, ...below];
  }
  return undefined;
}

/** The closest of `known` to `key` (a typo, a missing unit suffix), or undefined when none is close. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    // `timeout` for `timeoutMs`: a prefix that only lacks the unit counts as close.
    const score = c.startsWith(k) && k.length >= 4 ? c.length - k.length - 1 : editDistance(k, c);
    if (score < bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  return bestScore <= (key.length <= 3 ? 1 : Math.max(2, Math.floor(key.length / 3))) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 4;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
