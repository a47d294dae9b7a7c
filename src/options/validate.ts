import type { z } from 'zod';
import { ConfigError } from '../errors/errors.js';
import { redact } from '../errors/redact.js';

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'string') return JSON.stringify(redact(value.length > 40 ? `${value.slice(0, 40)}…` : value));
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return 'an object';
}

/**
 * Parses `input` with `schema`, or throws one {@link ConfigError} listing every
 * problem as `path: expected …, received …`. Unknown keys are reported by name
 * only — never by value, which might be a credential put in the wrong place.
 */
export function validateOptions<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
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
      for (const key of issue.keys) issues.push({ path: base === '(options)' ? key : `${base}.${key}`, message: 'unknown option' });
      continue;
    }
    const expected = issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`;
    issues.push({ path: base, message: `${expected}, received ${describe(issue.input)}` });
  }
}

const depth = (branch: readonly z.core.$ZodIssue[]): number => Math.max(0, ...branch.map((i) => i.path.length));
