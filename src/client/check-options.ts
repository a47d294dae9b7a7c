import * as z from '../options/zod.js';
import { MAX_TIMER_MS, schemaOnFirstUse } from '../options/schema-helpers.js';
import { validateOptions } from '../options/validate.js';
import { coreOptionParts, coreOptionShape } from './options.js';

type Parts = typeof coreOptionParts;
type Key = keyof Parts;
/** What a client's options are once checked: each given option as its schema outputs it. */
export type CheckedClientOptions = z.output<ReturnType<typeof clientOptionsSchema>>;

/** The whole options schema (every option's schema built). */
export const clientOptionsSchema = schemaOnFirstUse(() => z.strictObject(coreOptionShape()));

const OPTION_KEYS = Object.keys(coreOptionParts) as Key[];
const KNOWN = new Set<string>(OPTION_KEYS);
/** The options whose schema is a union with `false`: `false` passes them as it is. */
const OR_FALSE = new Set<string>(['retry', 'breaker', 'adaptiveTimeout', 'monitor', 'hedge']);

type Test = (value: unknown) => boolean;
const ms: Test = (v) => typeof v === 'number' && v >= 0 && v <= MAX_TIMER_MS;
/**
 * Options objects checked by hand when they set only these fields: each test
 * accepts only values its field's schema accepts unchanged (a subset: what a
 * test refuses goes to the schema, which decides). The README's quick start
 * sets `retry: { maxRetries }`; building the retry schema for it was most of
 * its first client.
 */
const BY_HAND: { readonly [K in Key]?: Readonly<Record<string, Test>> } = {
  retry: {
    maxRetries: (v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 100,
    initialDelayMs: ms,
    multiplier: (v) => typeof v === 'number' && v >= 1 && v < Number.POSITIVE_INFINITY,
    maxDelayMs: ms,
    jitter: (v) => v === 'none' || v === 'full' || v === 'equal',
    maxRetryAfterMs: ms,
    preferFallback: (v) => typeof v === 'boolean',
  },
};

/**
 * Checks a client's options: what the strict object of every option's schema
 * would give, usually without building it. Building a schema costs far more
 * than checking a value with it (zod compiles its functions on first call), and
 * a cold start pays for every schema its first client builds. So the usual
 * options are checked the cheap way first: model names by hand, `false` and
 * `undefined` as they are, every other given option with its own schema alone.
 * Anything else — an unknown key, an entry object, a value its schema refuses,
 * a getter that throws — goes through the whole strict object, which gives the
 * result or the error exactly as before. The cheap way accepts only options the
 * whole object accepts, with the same output.
 */
export function checkClientOptions(input: unknown): CheckedClientOptions {
  return (checkUsual(input) ?? validateOptions(clientSchemaFor(input), input)) as CheckedClientOptions;
}

function checkUsual(input: unknown): Record<string, unknown> | undefined {
  // The strict object reads keys the same ways: `in` for presence (own or
  // inherited), `for…in` for unknown ones (so `__proto__` set as an own key is unknown here too).
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  try {
    for (const key in input) if (!KNOWN.has(key)) return undefined;
    const out: Record<string, unknown> = {};
    for (const key of OPTION_KEYS) {
      if (!(key in input)) continue;
      const value = (input as Record<string, unknown>)[key];
      if (key === 'models') {
        const models = modelNames(value);
        if (models === undefined) return undefined;
        out[key] = models;
      } else if (value === undefined || (value === false && OR_FALSE.has(key))) out[key] = value;
      else if ((out[key] = byHand(value, BY_HAND[key])) === undefined) {
        const r = coreOptionParts[key]().safeParse(value); // a failure's messages come from the strict object below
        if (!r.success) return undefined;
        out[key] = r.data;
      }
    }
    return 'models' in out ? out : undefined;
  } catch {
    return undefined; // the strict object reads again and names what threw
  }
}

/** A copy of an options object whose fields all pass `tests` (absent and `undefined` pass), else undefined. */
function byHand(value: unknown, tests: Readonly<Record<string, Test>> | undefined): Record<string, unknown> | undefined {
  if (tests === undefined || typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  for (const key in value) if (!Object.hasOwn(tests, key)) return undefined;
  const out: Record<string, unknown> = {};
  for (const key in tests) {
    if (!(key in value)) continue;
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined && !tests[key]!(field)) return undefined;
    out[key] = field;
  }
  return out;
}

/** A copy of a non-empty array of distinct non-empty model names, else undefined. */
function modelNames(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const names: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const name: unknown = value[i];
    if (typeof name !== 'string' || name.length === 0) return undefined;
    names.push(name);
  }
  return new Set(names).size === names.length ? names : undefined;
}

/*
 * When the cheap way does not apply, the options are checked against the
 * schemas of the keys they set; every other known key is checked only to be
 * absent. The object stays strict and knows every name, so an unknown key is
 * still refused with the same "did you mean" suggestion.
 */
const absent = schemaOnFirstUse(() => z.optional(z.undefined()));
const byKeySet = new Map<string, z.ZodMiniType>();
const MAX_KEY_SETS = 64;

function clientSchemaFor(input: unknown): z.ZodMiniType {
  if (typeof input !== 'object' || input === null) return clientOptionsSchema();
  let set: Key[];
  try {
    set = OPTION_KEYS.filter((key) => key === 'models' || key in input); // `models` is required: always checked
  } catch {
    return clientOptionsSchema(); // a Proxy that throws: validateOptions names the path
  }
  const id = set.join(',');
  let schema = byKeySet.get(id);
  if (schema === undefined) {
    const given = new Set<string>(set);
    schema = z.strictObject(Object.fromEntries(OPTION_KEYS.map((key) => [key, given.has(key) ? coreOptionParts[key]() : absent()])));
    if (byKeySet.size >= MAX_KEY_SETS) byKeySet.clear();
    byKeySet.set(id, schema);
  }
  return schema;
}
