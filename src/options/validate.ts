import type { z } from 'zod';
import { ConfigError } from '../errors/errors.js';
import { redact } from '../errors/redact.js';

function describe(value: unknown): string {
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
    throw new ConfigError([{ path: root || '(options)', message: 'expected readable options, received an object that threw while being read' }]);
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
    issues.push({ path: base, message: `${expected}, received ${describe(issue.input)}` });
  }
}

const depth = (branch: readonly z.core.$ZodIssue[]): number => Math.max(0, ...branch.map((i) => i.path.length));
