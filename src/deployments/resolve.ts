import { BREAKER_DEFAULTS, type BreakerOptions, type ResolvedBreaker } from '../breaker/options.js';
import { ConfigError } from '../errors/errors.js';
import type { LimitsOptions, ModelLimits } from '../limits/options.js';
import { withDefaults } from '../options/validate.js';
import { type ResolvedRetry, type RetryOptions, resolveRetry } from '../retry/options.js';
import type { DeploymentOptions, ModelOverrides } from './options.js';

/** A deployment as the client runs it. */
export interface ResolvedDeployment {
  readonly id: string;
  /** The logical model it serves. */
  readonly model: string;
  /** The model name sent with its requests. */
  readonly wire: string;
  readonly client: object;
  readonly weight: number;
  readonly priority: number;
}

/** Where retry, breaker and timeout differ from the client's, by model or deployment id. */
export interface TargetOptions {
  readonly retry: ResolvedRetry | undefined;
  readonly breaker: ResolvedBreaker | undefined;
  readonly timeoutMs: number | undefined;
}

/** A validated chain entry with what deployments and overrides need. */
export interface EntryLike extends ModelOverrides {
  readonly model: string;
  readonly deployments?: readonly DeploymentOptions[] | undefined;
}

export interface ResolvedDeployments {
  readonly deployments: ReadonlyMap<string, readonly ResolvedDeployment[]>;
  readonly targets: ReadonlyMap<string, TargetOptions>;
  readonly limits: LimitsOptions | undefined;
}

type Given<T> = T | false | undefined;

/** Field by field: `false` turns the policy off at that level; an object over `false` turns it back on from the defaults. */
function layer<T extends object>(levels: readonly Given<T>[]): T | false {
  let out = {} as T | false;
  for (const l of levels as readonly unknown[]) {
    if (l === undefined) continue;
    out = l === false ? false : { ...(out === false ? {} : out), ...(l as T) };
  }
  return out;
}

// Secret-free names for the SDK classes we know: never a key, endpoint or project.
const KINDS: Readonly<Record<string, string>> = { AzureOpenAI: 'azure', OpenAI: 'openai', Anthropic: 'anthropic', AnthropicBedrock: 'bedrock', AnthropicVertex: 'vertex' };

/** `model@kind[-region]`: from the SDK class name and its region, nothing else of the client. */
export function derivedId(model: string, client: object): string {
  const ctor = (client as { constructor?: { name?: unknown } }).constructor?.name;
  const kind = typeof ctor === 'string' && ctor !== 'Object' && ctor !== '' ? (KINDS[ctor] ?? ctor.toLowerCase()) : 'deployment';
  const r = (client as { awsRegion?: unknown; region?: unknown }).awsRegion ?? (client as { region?: unknown }).region;
  const region = typeof r === 'string' && /^[a-z0-9-]{1,32}$/.test(r) ? `-${r}` : '';
  return `${model}@${kind}${region}`;
}

/**
 * Resolves deployments and per-model overrides: ids derived where not given
 * (and numbered when two would be the same), each target's retry, breaker and
 * timeout over the client's, and each model's and deployment's limits folded
 * into `limits.models`. Throws a ConfigError for an id used twice or equal to a model name.
 */
export function resolveDeployments(
  entries: readonly (string | EntryLike)[],
  names: readonly string[],
  client: { retry: Given<RetryOptions>; breaker: Given<BreakerOptions>; timeoutMs: number | undefined; limits: LimitsOptions | undefined },
): ResolvedDeployments {
  const deployments = new Map<string, readonly ResolvedDeployment[]>();
  const targets = new Map<string, TargetOptions>();
  const limitsByKey: Record<string, ModelLimits> = {};
  const taken = new Set(names);
  const issues: { path: string; message: string }[] = [];
  const target = (levels: readonly ModelOverrides[]): TargetOptions => {
    const retry = layer<RetryOptions>([client.retry, ...levels.map((l) => l.retry)]);
    const breaker = layer<BreakerOptions>([client.breaker, ...levels.map((l) => l.breaker)]);
    const timeoutMs = levels.reduce<number | undefined>((ms, l) => l.timeoutMs ?? ms, client.timeoutMs);
    return { retry: retry === false ? undefined : resolveRetry(retry), breaker: breaker === false ? undefined : withDefaults(BREAKER_DEFAULTS, breaker), timeoutMs };
  };
  const overrides = (o: ModelOverrides) => o.retry !== undefined || o.breaker !== undefined || o.timeoutMs !== undefined;
  const limitsOf = (key: string, levels: readonly ModelOverrides[]) => {
    if (!levels.some((l) => l.limits)) return;
    const base = client.limits?.models?.[key] ?? client.limits?.default;
    limitsByKey[key] = Object.assign({}, base, ...levels.map((l) => l.limits ?? {}));
  };
  entries.forEach((entry, i) => {
    if (typeof entry === 'string') return;
    if (overrides(entry) && !entry.deployments) targets.set(entry.model, target([entry]));
    limitsOf(entry.model, [entry]);
    if (!entry.deployments) return;
    const list = entry.deployments.map((d, j): ResolvedDeployment => {
      let id = d.id ?? derivedId(entry.model, d.client);
      if (d.id === undefined) for (let n = 2; taken.has(id); n++) id = `${derivedId(entry.model, d.client)}-${n}`;
      else if (taken.has(id)) issues.push({ path: `models.${i}.deployments.${j}.id`, message: `expected an id used by no other deployment or model, received ${JSON.stringify(id)}` });
      taken.add(id);
      targets.set(id, target([entry, d]));
      limitsOf(id, [entry, d]);
      return Object.freeze({ id, model: entry.model, wire: d.model ?? entry.model, client: d.client, weight: d.weight ?? 1, priority: d.priority ?? 0 });
    });
    deployments.set(entry.model, Object.freeze(list));
  });
  if (issues.length > 0) throw new ConfigError(issues);
  const folded = Object.keys(limitsByKey).length === 0 ? client.limits : { ...client.limits, models: { ...client.limits?.models, ...limitsByKey } };
  return { deployments, targets, limits: folded };
}
