import * as z from './zod.js';
import { ConfigError } from '../errors/errors.js';
import { redact } from '../errors/redact.js';
import { schemaOnFirstUse } from './schema-helpers.js';

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
 * zod's English messages, for the few checks that carry no message of their
 * own. zod's core sets no locale by itself, and setting one globally
 * (`z.config`) would change the messages of an application's own schemas;
 * given per parse, it applies to our options only.
 */
const english = schemaOnFirstUse(() => z.locales.en().localeError);

/**
 * Parses `input` with `schema`, or throws one {@link ConfigError} listing every
 * problem as `path: expected …, received …`. Unknown keys are reported by name
 * only — never by value, which might be a credential put in the wrong place.
 */
export function validateOptions<S extends z.ZodMiniType>(schema: S, input: unknown, root = ''): z.output<S> {
  let result: z.core.util.SafeParseResult<z.output<S>>;
  try {
    result = schema.safeParse(input, { reportInput: true, error: english() }) as z.core.util.SafeParseResult<z.output<S>>;
  } catch {
    // A getter that throws, a revoked proxy, a value a check of zod's cannot
    // read (`{ length: Object.create(null) }`): a configuration error, not a crash.
    throw unreadable(input, root, schema);
  }
  if (result.success) return result.data;
  const issues: { path: string; message: string }[] = [];
  collect(result.error.issues, [], root, issues, schema);
  throw new ConfigError(issues);
}

function collect(list: readonly z.core.$ZodIssue[], prefix: PropertyKey[], root: string, issues: { path: string; message: string }[], schema: z.ZodMiniType): void {
  for (const issue of list) {
    // A union such as `retry: RetryOptions | false` fails as a whole; report the
    // branch that got furthest (the nested object), not "invalid input".
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const deepest = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0]!;
      if (depth(deepest) > 0) {
        collect(deepest, [...prefix, ...issue.path], root, issues, schema);
        continue;
      }
    }
    const base = [root, ...prefix.map(String), ...issue.path.map(String)].filter(Boolean).join('.') || '(options)';
    if (issue.code === 'unrecognized_keys') {
      // Key names are echoed (redacted: a key pasted as a property name is still a key).
      // The suggestion is one of our own option names, so it is safe to print.
      const known = knownKeysAt(schema, [...prefix, ...issue.path]);
      for (const key of issue.keys) issues.push({ path: redact(base === '(options)' ? key : `${base}.${key}`), message: unknownOptionMessage(key, known) });
      continue;
    }
    const expected = issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`;
    issues.push({ path: base, message: `${expected}, received ${describeValue(issue.input)}` });
  }
}

const depth = (branch: readonly z.core.$ZodIssue[]): number => Math.max(0, ...branch.map((i) => i.path.length));

/**
 * The {@link ConfigError} for options that threw while being read, naming the
 * deepest path that threw: a read that throws, else the option whose own
 * schema throws on its value.
 */
export function unreadable(input: unknown, root = '', schema?: z.ZodMiniType): ConfigError {
  const below = throwingPath(input, new Set()) ?? throwingOption(input, schema);
  const path = [root, ...(below ?? [])].filter(Boolean).join('.') || '(options)';
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

// The key of an object schema whose own schema throws on its value (a throw inside one of zod's checks).
function throwingOption(input: unknown, schema: z.ZodMiniType | undefined): string[] | undefined {
  const shape = (schema?._zod.def as { shape?: Record<string, z.ZodMiniType> } | undefined)?.shape;
  if (shape === undefined || typeof input !== 'object' || input === null) return undefined;
  for (const key of Object.keys(shape)) {
    try {
      if (!(key in input)) continue;
      shape[key]!.safeParse((input as Record<string, unknown>)[key], { error: english() });
    } catch {
      return [key];
    }
  }
  return undefined;
}

/**
 * The closest of `known` to `key`: a prefix that only lacks the unit
 * (`timeout` for `timeoutMs`), else a plausible typo ({@link didYouMean}).
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  if (k.length >= 4) {
    const prefixed = known.filter((c) => c.toLowerCase().startsWith(k)).sort((x, y) => x.length - y.length)[0];
    if (prefixed !== undefined && prefixed.length - k.length <= 4) return prefixed;
  }
  return didYouMean(key, known);
}

/**
 * `unknown option`, plus `, did you mean \`x\`?` when one known name is close enough
 * ({@link closestKey}), else ` (why)` when the caller says why the key is not read.
 * Every unknown key of every options object is reported in these words.
 */
export function unknownOptionMessage(key: string, known: readonly string[], why?: string): string {
  const guess = closestKey(key, known);
  if (guess !== undefined) return `unknown option, did you mean \`${guess}\`?`;
  return why === undefined ? 'unknown option' : `unknown option (${why})`;
}

/**
 * The candidate closest to `input` when it is a plausible typo of it: same
 * letters in another case, or an edit distance (insert, delete, substitute,
 * swap two neighbours) of at most a third of the longer name, at least 1.
 * Ties go to the earlier candidate.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = input.toLowerCase();
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const d = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(input.length, candidate.length) / 3));
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

// Optimal string alignment distance (Levenshtein plus adjacent swaps).
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
    }
    prev2 = prev;
    prev = row;
  }
  return prev[b.length]!;
}

type Def = { type: string; shape?: Record<string, z.ZodMiniType>; innerType?: z.ZodMiniType; in?: z.ZodMiniType; options?: readonly z.ZodMiniType[]; valueType?: z.ZodMiniType; element?: z.ZodMiniType; left?: z.ZodMiniType; right?: z.ZodMiniType; getter?: () => z.ZodMiniType };
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional', 'success']);

/** The option names an object schema at `path` accepts (all branches of a union). */
function knownKeysAt(schema: z.ZodMiniType, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  const walk = (s: z.ZodMiniType | undefined, i: number, seen: number): void => {
    if (s === undefined || seen > 64) return;
    const def = (s as unknown as { _zod: { def: Def } })._zod.def;
    const next = seen + 1;
    if (WRAPPERS.has(def.type)) walk(def.innerType, i, next);
    else if (def.type === 'pipe') walk(def.in, i, next);
    else if (def.type === 'lazy') walk(def.getter?.(), i, next);
    else if (def.type === 'union') for (const o of def.options ?? []) walk(o, i, next);
    else if (def.type === 'intersection') {
      walk(def.left, i, next);
      walk(def.right, i, next);
    } else if (i === path.length) {
      if (def.type === 'object' && def.shape) for (const k of Object.keys(def.shape)) keys.add(k);
    } else if (def.type === 'object') walk(def.shape?.[String(path[i])], i + 1, next);
    else if (def.type === 'record') walk(def.valueType, i + 1, next);
    else if (def.type === 'array') walk(def.element, i + 1, next);
  };
  walk(schema, 0, 0);
  return [...keys];
}

/** Defaults overlaid with the options actually given (an explicit `undefined` keeps the default). */
export function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): Readonly<T> {
  const out = { ...defaults };
  if (given) for (const [k, v] of Object.entries(given)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return Object.freeze(out);
}
