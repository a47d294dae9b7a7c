/**
 * The incident classes replayed against every contender. Times are given for
 * a 30-minute run and scale with the run's length (`--quick` runs fewer minutes).
 */

/** The provider's wire format an incident is replayed in: its headers, error bodies and SDK. */
export type WireFormat = 'openai' | 'anthropic';
export const FORMATS: readonly WireFormat[] = ['openai', 'anthropic'];

export const PRIMARY = 'gpt-4.1';
export const BACKUP = 'gpt-4.1-mini';
export const CLAUDE_PRIMARY = 'claude-sonnet-4-6';
export const CLAUDE_BACKUP = 'claude-haiku-4-5';

export interface ModelSpec {
  readonly name: string;
  readonly rpm: number;
  /** OpenAI: one token limit (prompt + `max_tokens`). */
  readonly tpm?: number;
  /** Anthropic: separate input and output token limits (output counted as `max_tokens` until the answer's real length is known). */
  readonly itpm?: number;
  readonly otpm?: number;
  /** Median latency of a successful call, ms (lognormal). */
  readonly medianMs: number;
  /** Lognormal sigma of the latency. */
  readonly sigma: number;
}

/**
 * The primary serves 100 requests and 300,000 tokens a minute. The backup has
 * room for the storm's excess (and for the whole base load), not for the whole
 * storm: a client that moves everything to it meets its limits too.
 */
export const MODELS: readonly ModelSpec[] = [
  { name: PRIMARY, rpm: 100, tpm: 300_000, medianMs: 2_500, sigma: 0.6 },
  { name: BACKUP, rpm: 150, tpm: 450_000, medianMs: 1_500, sigma: 0.5 },
];

/**
 * A second deployment of the primary (another account or region, e.g. an Azure
 * OpenAI deployment called `gpt-4.1-azure`), served only in incidents with
 * `deployments`: limits and latency of its own, no fault. Not in MODELS: the
 * oracle and the other incidents do not know it.
 */
export const PRIMARY_DEPLOYMENT = 'gpt-4.1-azure';
export const DEPLOYMENT_MODELS: readonly ModelSpec[] = [{ name: PRIMARY_DEPLOYMENT, rpm: 100, tpm: 300_000, medianMs: 2_500, sigma: 0.6 }];

/**
 * The same two tiers in Anthropic's shape: the same request limits and
 * latencies, separate input and output token limits. The output limit is the
 * tighter one: a burst of calls is held by their `max_tokens` (50 calls of
 * 1,000 fill the primary's minute) before the request limit is reached.
 */
export const CLAUDE_MODELS: readonly ModelSpec[] = [
  { name: CLAUDE_PRIMARY, rpm: 100, itpm: 150_000, otpm: 50_000, medianMs: 2_500, sigma: 0.6 },
  { name: CLAUDE_BACKUP, rpm: 150, itpm: 225_000, otpm: 75_000, medianMs: 1_500, sigma: 0.5 },
];

/** The two models of a run (the chain's order) and their limits, by wire format. */
export interface ModelSet {
  readonly primary: string;
  readonly backup: string;
  readonly specs: readonly ModelSpec[];
}

export const MODEL_SETS: Readonly<Record<WireFormat, ModelSet>> = {
  openai: { primary: PRIMARY, backup: BACKUP, specs: MODELS },
  anthropic: { primary: CLAUDE_PRIMARY, backup: CLAUDE_BACKUP, specs: CLAUDE_MODELS },
};

export const modelsOf = (incident: Incident): ModelSet => MODEL_SETS[incident.format ?? 'openai'];

/**
 * `quota`: the provider's quota signal (OpenAI 429 `insufficient_quota`, Anthropic 429 with
 * `enforced_spend_limit_reached`); `billing`: the account's billing stop (Anthropic 400
 * "Your credit balance is too low…", OpenAI 400 `billing_hard_limit_reached`).
 */
export type FaultKind = 'overload' | 'outage' | 'quota' | 'billing' | 'slow';

/** A fault on one model over [fromMin, toMin) of a 30-minute run. */
export interface FaultWindow {
  readonly model: 'primary' | 'backup';
  readonly kind: FaultKind;
  readonly fromMin: number;
  readonly toMin: number;
  /** overload: share of requests answered 529; slow: latency multiplier. */
  readonly value?: number;
}

export interface Incident {
  readonly id: string;
  readonly label: string;
  /** Rate-limit enforcement window: 60 s, or shorter (limit × window/60 s per window). */
  readonly windowMs: number;
  readonly faults: readonly FaultWindow[];
  /** Logical calls per minute offered: the base load, and a storm over [fromMin, toMin). */
  readonly baseCallsPerMin: number;
  readonly storm?: { readonly fromMin: number; readonly toMin: number; readonly callsPerMin: number };
  /**
   * Worker processes sharing the organisation's limits: each its own client
   * (no shared memory), the tasks dealt round-robin. 1 when absent.
   */
  readonly workers?: number;
  /** The incident whose workload (tasks, prompts, latencies) this one replays: itself when absent. */
  readonly workload?: string;
  /** The provider's wire format (and the SDK the contenders call it with): OpenAI when absent. */
  readonly format?: WireFormat;
  /** Contenders that can share state do so on a real Redis (the bench starts `redis-server`). */
  readonly redis?: boolean;
  /** The primary has a second deployment ({@link PRIMARY_DEPLOYMENT}); our contenders configure both. */
  readonly deployments?: boolean;
}

/** Minutes of a full run. */
export const FULL_MINUTES = 30;
/** Base load: half the primary's RPM. */
const BASE = 50;
const STORM = { fromMin: 10, toMin: 20, callsPerMin: 200 } as const;
/** Demand above both models together (250 calls a minute) for 10 minutes. */
const OVER = { fromMin: 10, toMin: 20, callsPerMin: 400 } as const;

const SINGLE: readonly Incident[] = [
  { id: 'steady', label: 'steady, no faults', windowMs: 60_000, faults: [], baseCallsPerMin: BASE },
  { id: 'storm', label: 'rate-limit storm (demand ≈ 2× primary RPM for 10 min)', windowMs: 60_000, faults: [], baseCallsPerMin: BASE, storm: STORM },
  { id: 'storm-10s', label: 'same storm, limits enforced over 10 s windows', windowMs: 10_000, faults: [], baseCallsPerMin: BASE, storm: STORM },
  { id: 'overload', label: 'overload burst (50% 529 for 5 min)', windowMs: 60_000, faults: [{ model: 'primary', kind: 'overload', fromMin: 10, toMin: 15, value: 0.5 }], baseCallsPerMin: BASE },
  { id: 'outage', label: 'hard outage (5 min)', windowMs: 60_000, faults: [{ model: 'primary', kind: 'outage', fromMin: 10, toMin: 15 }], baseCallsPerMin: BASE },
  { id: 'quota', label: 'quota exhausted (from minute 5 on)', windowMs: 60_000, faults: [{ model: 'primary', kind: 'quota', fromMin: 5, toMin: Number.POSITIVE_INFINITY }], baseCallsPerMin: BASE },
  { id: 'billing', label: 'billing stop: the credit runs out (from minute 5 on)', windowMs: 60_000, faults: [{ model: 'primary', kind: 'billing', fromMin: 5, toMin: Number.POSITIVE_INFINITY }], baseCallsPerMin: BASE },
  { id: 'slow', label: 'slow primary (latency ×20 for 5 min)', windowMs: 60_000, faults: [{ model: 'primary', kind: 'slow', fromMin: 10, toMin: 15, value: 20 }], baseCallsPerMin: BASE },
  { id: 'over-capacity', label: "demand above both models' capacity (400 calls/min for 10 min)", windowMs: 60_000, faults: [], baseCallsPerMin: BASE, storm: OVER },
];

/** Worker counts replayed for the incidents where sharing one organisation's limits matters. */
export const WORKER_COUNTS = [4, 8, 16] as const;
const SHARED = ['storm', 'storm-10s', 'over-capacity'];

/** The same workload spread over `n` workers: id `<incident>-w<n>`. */
export function withWorkers(base: Incident, n: number): Incident {
  return { ...base, id: `${base.id}-w${n}`, label: `${base.label}, ${n} workers`, workers: n, workload: base.workload ?? base.id };
}

/** The same incident with its workers sharing state on Redis: id `<incident>-redis`. */
export function withRedis(base: Incident): Incident {
  return { ...base, id: `${base.id}-redis`, label: `${base.label}, Redis`, redis: true, workload: base.workload ?? base.id };
}

/** The same incident in Anthropic's wire format: id `<incident>-anthropic`, the same workload. */
export function inFormat(base: Incident, format: WireFormat): Incident {
  if (format === 'openai') return base;
  return { ...base, id: `${base.id}-${format}`, label: `${base.label}, Anthropic format`, format, workload: base.workload ?? base.id };
}

const WORKERS: readonly Incident[] = SINGLE.filter((i) => SHARED.includes(i.id)).flatMap((i) => WORKER_COUNTS.map((n) => withWorkers(i, n)));
const ONE_FORMAT: readonly Incident[] = [...SINGLE, ...WORKERS, ...WORKERS.map(withRedis)];

/** One deployment of the primary out while its second deployment has room (OpenAI's format: Azure is the second deployment). */
const DEPLOYMENT_OUT: Incident = {
  id: 'deployment-out',
  label: 'one deployment of the primary out (outage min 5–10, quota from min 15) while its second deployment has room',
  windowMs: 60_000,
  faults: [
    { model: 'primary', kind: 'outage', fromMin: 5, toMin: 10 },
    { model: 'primary', kind: 'quota', fromMin: 15, toMin: Number.POSITIVE_INFINITY },
  ],
  baseCallsPerMin: BASE,
  deployments: true,
};

/** Every incident, in OpenAI's format first, then in Anthropic's. */
export const INCIDENTS: readonly Incident[] = [...FORMATS.flatMap((f) => ONE_FORMAT.map((i) => inFormat(i, f))), DEPLOYMENT_OUT];

/** A fault window in ms since the start of a run lasting `minutes`. */
export function faultSpan(f: FaultWindow, minutes: number): { from: number; to: number } {
  const scale = (minutes / FULL_MINUTES) * 60_000;
  return { from: f.fromMin * scale, to: f.toMin * scale };
}

/** Faults during which a model serves nothing at all. */
export const isHardDown = (kind: FaultKind): boolean => kind === 'outage' || kind === 'quota' || kind === 'billing';
