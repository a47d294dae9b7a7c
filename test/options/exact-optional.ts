// Compiled by test/docs/strict-docs.test.ts with `exactOptionalPropertyTypes: true`.
// Every optional option of every public options type must accept `undefined`
// ("not set"), so `{ taskId: maybeTask }` compiles in a strict project.
// `Unsettable<T>` is the union of the dotted paths of optional fields that
// reject `undefined`; it must be `never`.
import type {
  AnomalyOptions,
  BreakerOptions,
  BudgetOptions,
  CallRunOptions,
  ContentOptions,
  DailyReportOptions,
  EstimateOptions,
  FileBudgetStoreOptions,
  HealthOptions,
  JsonlSinkOptions,
  LimitsOptions,
  MonitorOptions,
  ReportOptions,
  ResilientClientOptions,
  RetryOptions,
  RunOptions,
  StreamOptions,
} from '../../src/index.js';
import type { BudgetStore } from '../../src/budget/store.js';
import type { ResilienceMiddlewareOptions } from '../../src/providers/ai-sdk.js';
import type { WrapAnthropicOptions } from '../../src/providers/anthropic.js';
import type { WrapOpenAIOptions } from '../../src/providers/openai.js';
import type { DashboardOptions, DashboardServerOptions } from '../../src/dashboard/index.js';
import type { InstrumentOptions } from '../../src/otel/index.js';
import type { RedisBudgetStoreOptions, RedisBreakerStateOptions, RedisLimiterConfig, RedisLimiterOptions } from '../../src/redis/index.js';
import type { EventHistoryOptions, EventStreamOptions } from '../../src/sse/index.js';
import type { FakeClockOptions } from '../../src/testing/index.js';

// Not options: values passed whole (functions, arrays, signals, a clock), and
// objects you implement or hand over (a budget store, a client to watch).
type Leaf = ((...args: never[]) => unknown) | readonly unknown[] | AbortSignal | Date | RegExp | { readonly now: () => number } | BudgetStore | { readonly on: unknown };
type Depth = [never, 0, 1, 2, 3, 4];

type Unsettable<T, P extends string = '', D extends number = 5> = [D] extends [never]
  ? never
  : T extends Leaf
    ? never
    : T extends object
      ? {
          [K in keyof T & string]-?: string extends K
            ? never // an index signature (a map of models): its entries are values, not options
            :
            | (Record<never, never> extends Pick<T, K> ? ({ [Q in K]: undefined } extends Pick<T, K> ? never : `${P}${K}`) : never)
            | Unsettable<Exclude<T[K], undefined>, `${P}${K}.`, Depth[D]>;
        }[keyof T & string]
      : never;

type Check<T extends never> = T;

export type Checks = [
  Check<Unsettable<ResilientClientOptions>>,
  Check<Unsettable<RunOptions>>,
  Check<Unsettable<CallRunOptions>>,
  Check<Unsettable<RetryOptions>>,
  Check<Unsettable<BreakerOptions>>,
  Check<Unsettable<BudgetOptions>>,
  Check<Unsettable<ContentOptions>>,
  Check<Unsettable<LimitsOptions>>,
  Check<Unsettable<MonitorOptions>>,
  Check<Unsettable<HealthOptions>>,
  Check<Unsettable<AnomalyOptions>>,
  Check<Unsettable<ReportOptions>>,
  Check<Unsettable<DailyReportOptions>>,
  Check<Unsettable<JsonlSinkOptions>>,
  Check<Unsettable<StreamOptions>>,
  Check<Unsettable<EstimateOptions>>,
  Check<Unsettable<FileBudgetStoreOptions>>,
  Check<Unsettable<WrapOpenAIOptions>>,
  Check<Unsettable<WrapAnthropicOptions>>,
  Check<Unsettable<ResilienceMiddlewareOptions>>,
  Check<Unsettable<DashboardOptions>>,
  Check<Unsettable<DashboardServerOptions>>,
  Check<Unsettable<InstrumentOptions>>,
  Check<Unsettable<RedisBudgetStoreOptions>>,
  Check<Unsettable<RedisBreakerStateOptions>>,
  Check<Unsettable<RedisLimiterOptions>>,
  Check<Unsettable<RedisLimiterConfig>>,
  Check<Unsettable<EventHistoryOptions>>,
  Check<Unsettable<EventStreamOptions>>,
  Check<Unsettable<FakeClockOptions>>,
];

// The forms users write, compiled as they would write them.
declare const maybeTask: string | undefined;
declare const maybeMs: number | undefined;
export const forms: RunOptions[] = [{ taskId: maybeTask, timeoutMs: maybeMs, deadlineMs: maybeMs, estimate: { inputTokens: maybeMs } }];
