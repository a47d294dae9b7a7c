import * as z from '../options/zod.js';
import { type BreakerOptions, breakerSchema } from '../breaker/options.js';
import { type ModelLimits, modelLimitsSchema } from '../limits/options.js';
import { modelName, positiveMs, schemaOnFirstUse } from '../options/schema-helpers.js';
import { type RetryOptions, retrySchema } from '../retry/options.js';

/**
 * Options one model (or one of its deployments) may set for itself, over the
 * client's. `retry` and `breaker` are merged field by field over the client's
 * (a deployment's over its model's); `false` turns the policy off there.
 */
export interface ModelOverrides {
  /** Retry for this model or deployment, merged over the client's `retry`. `false` turns it off here. */
  readonly retry?: RetryOptions | false | undefined;
  /** Breaker for this model or deployment, merged over the client's `breaker`. `false` turns it off here. */
  readonly breaker?: BreakerOptions | false | undefined;
  /** Per-attempt timeout here, over the client's `timeoutMs` (a call's own `timeoutMs` still wins). */
  readonly timeoutMs?: number | undefined;
  /** Admission limits here, over `limits.models` and `limits.default` for this model or deployment. */
  readonly limits?: ModelLimits | undefined;
}

/**
 * One way to reach a logical model: an SDK instance of its own (another key
 * or organisation, Azure OpenAI, Amazon Bedrock, Google Vertex), with its own
 * breaker, admission buckets, health and monitor row.
 * @example { id: 'azure-eastus', client: new AzureOpenAI({ endpoint, apiKey, apiVersion }), model: 'gpt-4-1-prod' }
 */
export interface DeploymentOptions extends ModelOverrides {
  /**
   * The SDK client this deployment calls (`new OpenAI(...)`, `new AzureOpenAI(...)`,
   * `new Anthropic(...)`, `new AnthropicBedrock(...)`, `new AnthropicVertex(...)`, or anything
   * your function knows how to call). Handed to your function as `client`; never read, stored in events or printed.
   */
  readonly client: object;
  /**
   * A stable name for this deployment, unique in the client: events, snapshots,
   * breakers, limits and monitor rows use it. Never put a key or URL here.
   * @default derived from the SDK class and region, e.g. `gpt-4.1@azure`, `claude-sonnet-4-6@bedrock-us-east-1`
   */
  readonly id?: string | undefined;
  /**
   * The model name this deployment is called with, when it differs from the
   * logical one: an Azure deployment name, a Bedrock model id, a Vertex model version.
   * @default the logical model's name
   */
  readonly model?: string | undefined;
  /**
   * Share of calls among deployments of the same priority.
   * @default 1
   */
  readonly weight?: number | undefined;
  /**
   * Lower first: a deployment is used only when every deployment of a lower
   * priority is open or full.
   * @default 0
   */
  readonly priority?: number | undefined;
}

export const overrideShape = () => ({
  retry: z.optional(z.union([retrySchema(), z.literal(false)], { error: 'expected retry options or false' })),
  breaker: z.optional(z.union([breakerSchema(), z.literal(false)], { error: 'expected breaker options or false' })),
  timeoutMs: z.optional(positiveMs()),
  limits: z.optional(modelLimitsSchema()),
});

const deploymentSchema = schemaOnFirstUse(() =>
  z.strictObject(
    {
      ...overrideShape(),
      client: z.custom<object>((v) => typeof v === 'object' && v !== null, { error: 'expected an SDK client object' }),
      id: z.optional(z.string({ error: 'expected a deployment id (non-empty string)' }).check(z.minLength(1, { error: 'expected a deployment id (non-empty string)' }))),
      model: z.optional(modelName()),
      weight: z.optional(z.number({ error: 'expected a positive number' }).check(z.positive({ error: 'expected a positive number' }))),
      priority: z.optional(z.number({ error: 'expected a non-negative integer' }).check(z.int({ error: 'expected a non-negative integer' }), z.gte(0, { error: 'expected a non-negative integer' }))),
    },
    { error: 'expected deployment options { client, id?, model?, weight?, priority? }' },
  ),
);

export const deploymentsSchema = () =>
  z.array(deploymentSchema(), { error: 'expected a non-empty array of deployments' }).check(z.minLength(1, { error: 'expected a non-empty array of deployments' }));
