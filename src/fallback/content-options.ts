import * as z from '../options/zod.js';
import { modelName, positiveInt, schemaOnFirstUse } from '../options/schema-helpers.js';

/**
 * Fallbacks for failures that are about the request, not the model's health:
 * a prompt too long for a model's context window, or a response the provider
 * filtered / the model refused. None of them is retried on the same model or
 * counted against its breaker.
 *
 * @example
 * content: { onRefusal: { models: ['claude-haiku-4-5'] }, contextWindows: { 'my-finetune': 32_000 } }
 */
export interface ContentOptions {
  /**
   * Context windows in tokens, over the built-in catalog's (yours win). A model
   * whose window is unknown is never skipped before it is tried.
   * @example { 'ft:gpt-4.1-mini:acme': 1_000_000 }
   */
  readonly contextWindows?: Readonly<Record<string, number>> | undefined;
  /**
   * Also skip a model whose output limit (`maxOutputTokens` in the catalog)
   * is below the request's `max_tokens`. @default false
   */
  readonly fitOutput?: boolean | undefined;
  /**
   * What to do with a response the provider filtered or the model refused
   * (OpenAI `finish_reason: 'content_filter'` or a 400 `content_policy_violation`,
   * Anthropic `stop_reason: 'refusal'`, AI SDK `finishReason: 'content-filter'`):
   * `'return'` hands it to you as it is; `'fallback'` tries the next model of
   * the chain; `{ models }` tries that chain instead. When no other model
   * answers, you get the refused response (or the provider's error) back.
   * @default 'return'
   */
  readonly onRefusal?: 'return' | 'fallback' | { readonly models: readonly string[] } | undefined;
}

export const contentSchema = schemaOnFirstUse(() => z.strictObject({
  contextWindows: z.optional(z.record(modelName(), positiveInt(), { error: 'expected an object of model name → context window in tokens' })),
  fitOutput: z.optional(z.boolean({ error: 'expected true or false' })),
  onRefusal: z.optional(z.union(
      [
        z.enum(['return', 'fallback']),
        z.strictObject({ models: z.readonly(z.array(modelName()).check(z.minLength(1, { error: 'expected a non-empty array of model names' }))) }),
      ],
      { error: "expected 'return', 'fallback' or { models: [...] }" },
    )),
}));
