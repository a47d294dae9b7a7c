/**
 * The part of zod's functional API (`zod/mini`) our option schemas use, built
 * on `zod/v4/core`, the entry point zod offers to libraries (decision 0059).
 *
 * Why: `zod/mini` is `zod/v4/core` plus nine files of its own, and a cold start
 * pays Node's loader for every file — about 7 ms of CPU for those nine, out of
 * an import whose target leaves little room. The schemas are the same core
 * classes with the same definitions, so they parse, refuse and word their
 * issues exactly as `zod/mini`'s do; the types are `zod/mini`'s own. Each
 * builder makes its schema the way `zod/mini`'s does (a core class composed
 * with {@link Schema}'s methods, under `zod/mini`'s class names, so zod's own
 * `instanceof` sees them as its classes). Only the builders and checks listed
 * here exist, and of a schema's methods only `parse`, `safeParse`, `check` and
 * `clone` (the types, `zod/mini`'s, list more): add one here before using it.
 */
import type * as mini from 'zod/mini';
import * as core from 'zod/v4/core';

export type { ZodMiniType, input, output, core } from 'zod/mini';

type Def = { checks?: unknown[] } & Record<string, unknown>;
type Instance = core.$ZodType & { def: Def; type: string; clone(def?: Def, params?: { parent: boolean }): Instance };
// biome-ignore lint/suspicious/noExplicitAny: each builder is typed as zod/mini's below; inside, schemas are untyped
type Any = any;
/** A schema class (typed loosely: core's own are typed by their def). */
type Kind = { new (def: Any): Any; init(inst: Any, def: Any): void };
type Check = core.$ZodCheck | ((payload: unknown) => void);

// The methods of zod/mini's schemas (`ZodMiniType`), installed once on each schema class's prototype.
const methods = {
  parse(this: Instance, data: unknown, params?: core.ParseContext<core.$ZodIssue>) {
    return core.parse(this, data, params, { callee: methods.parse });
  },
  safeParse(this: Instance, data: unknown, params?: core.ParseContext<core.$ZodIssue>) {
    return core.safeParse(this, data, params);
  },
  check(this: Instance, ...checks: Check[]) {
    const def = this.def;
    const added = checks.map((ch) => (typeof ch === 'function' ? { _zod: { check: ch, def: { check: 'custom' }, onattach: [] } } : ch));
    return this.clone({ ...def, checks: [...(def.checks ?? []), ...added] }, { parent: true });
  },
  clone(this: Instance, def?: Def, params?: { parent: boolean }) {
    return core.clone(this, def as never, params);
  },
};

const Schema: Kind = core.$constructor(
  'ZodMiniType',
  (inst: Instance, def: Def) => {
    if (!inst._zod) throw new Error('Uninitialized schema in ZodMiniType.');
    (core.$ZodType as Kind).init(inst, def);
    inst.def = def;
    inst.type = def.type as string;
  },
  methods as never,
) as Kind;

/** A schema class: the core class `base`, then {@link Schema}'s members, then `extra`. */
const kind = (name: string, base: Kind, extra?: (inst: Any) => void): Kind =>
  core.$constructor(name, (inst: Any, def: Any) => {
    base.init(inst, def);
    Schema.init(inst, def);
    extra?.(inst);
  }) as Kind;

const Str = kind('ZodMiniString', core.$ZodString);
const Num = kind('ZodMiniNumber', core.$ZodNumber);
const NumFormat: Kind = core.$constructor('ZodMiniNumberFormat', (inst: Any, def: Any) => {
  (core.$ZodNumberFormat as Kind).init(inst, def);
  Num.init(inst, def);
}) as Kind;
const Bool = kind('ZodMiniBoolean', core.$ZodBoolean);
const Undef = kind('ZodMiniUndefined', core.$ZodUndefined);
const Unknown = kind('ZodMiniUnknown', core.$ZodUnknown);
const Never = kind('ZodMiniNever', core.$ZodNever);
const Arr = kind('ZodMiniArray', core.$ZodArray);
// zod/mini's objects also have a lazy `shape`, its enums `options`.
const Obj = kind('ZodMiniObject', core.$ZodObject, (inst) => core.util.installLazyProp(inst, 'shape', (self: Any) => self._zod.def.shape, false));
const Union = kind('ZodMiniUnion', core.$ZodUnion);
const Rec = kind('ZodMiniRecord', core.$ZodRecord);
const Enum = kind('ZodMiniEnum', core.$ZodEnum, (inst) => {
  inst.options = [...inst._zod.values];
});
const Literal = kind('ZodMiniLiteral', core.$ZodLiteral);
const Optional = kind('ZodMiniOptional', core.$ZodOptional);
const Readonly = kind('ZodMiniReadonly', core.$ZodReadonly);
const Lazy = kind('ZodMiniLazy', core.$ZodLazy);
const Custom = kind('ZodMiniCustom', core.$ZodCustom);

const params = core.util.normalizeParams;

export const string: typeof mini.string = (p?: Any) => core._string(Str, p);
export const number: typeof mini.number = (p?: Any) => core._number(Num, p);
export const int: typeof mini.int = (p?: Any) => core._int(NumFormat, p);
export const boolean: typeof mini.boolean = (p?: Any) => core._boolean(Bool, p);
const undefinedSchema: typeof mini.undefined = (p?: Any) => core._undefined(Undef, p);
export const unknown: typeof mini.unknown = () => core._unknown(Unknown);
export const array: typeof mini.array = (element: Any, p?: Any) => new Arr({ type: 'array', element, ...params(p) });
export const object: typeof mini.object = (shape?: Any, p?: Any) => new Obj({ type: 'object', shape: shape ?? {}, ...params(p) });
export const strictObject: typeof mini.strictObject = (shape: Any, p?: Any) =>
  new Obj({ type: 'object', shape, catchall: core._never(Never), ...params(p) });
export const union: typeof mini.union = (options: Any, p?: Any) => new Union({ type: 'union', options, ...params(p) });
export const record: typeof mini.record = (keyType: Any, valueType: Any, p?: Any) => new Rec({ type: 'record', keyType, valueType, ...params(p) });
const enumSchema: typeof mini.enum = (values: Any, p?: Any) =>
  new Enum({ type: 'enum', entries: Array.isArray(values) ? Object.fromEntries(values.map((v) => [v, v])) : values, ...params(p) });
export const literal: typeof mini.literal = (value: Any, p?: Any) => new Literal({ type: 'literal', values: Array.isArray(value) ? value : [value], ...params(p) });
export const optional: typeof mini.optional = (innerType: Any) => new Optional({ type: 'optional', innerType });
export const readonly: typeof mini.readonly = (innerType: Any) => new Readonly({ type: 'readonly', innerType });
export const lazy: typeof mini.lazy = (getter: Any) => new Lazy({ type: 'lazy', getter });
export const custom: typeof mini.custom = (fn?: Any, p?: Any) => core._custom(Custom, fn ?? (() => true), p) as Any;
export const refine: typeof mini.refine = (fn: Any, p: Any = {}) => core._refine(Custom, fn, p) as Any;
export { undefinedSchema as undefined, enumSchema as enum };

export const superRefine: typeof mini.superRefine = core._superRefine as Any;
export const gt: typeof mini.gt = core._gt;
export const gte: typeof mini.gte = core._gte;
export const lte: typeof mini.lte = core._lte;
export const positive: typeof mini.positive = core._positive;
export const minLength: typeof mini.minLength = core._minLength;
export const maxLength: typeof mini.maxLength = core._maxLength;
export const regex: typeof mini.regex = core._regex;
export const locales: typeof mini.locales = core.locales;
