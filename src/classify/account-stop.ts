/*
 * "This account cannot be served": the provider refuses the account, key or
 * organisation rather than the request. Waiting does not clear it, and every
 * model behind the same key answers the same way (scope `provider`), or the
 * account may not use this one model (scope `model`). Each signal below is a
 * documented shape; docs/concepts.md lists them with their sources.
 */

/** Where a stop applies: every model of the provider behind this key, or this model only. */
export type StopScope = 'provider' | 'model';

/** What an account stop is: its kind, and how far it reaches. */
export interface AccountStop {
  readonly kind: 'quota' | 'auth' | 'not_found';
  readonly scope: StopScope;
}

/**
 * Billing, spend and usage-limit codes (OpenAI `error.code` / `error.type`,
 * Anthropic `details.error_code` / `error.type`), whatever the status.
 */
export const QUOTA_CODES: ReadonlySet<string> = new Set([
  'insufficient_quota',
  'credit_balance_exhausted',
  'organization_spend_limit_exceeded',
  'organization_usage_limit_exceeded',
  'project_spend_limit_exceeded',
  'billing_hard_limit_reached',
  'billing_not_active',
  'billing_error',
  'enforced_spend_limit_reached',
]);

/** Codes that refuse the key or organisation on every model. */
export const ACCOUNT_CODES: ReadonlySet<string> = new Set(['unsupported_country_region_territory', 'invalid_api_key', 'account_deactivated']);

/** OpenAI's code for a model that does not exist *or is not available to this account*. */
const MODEL_CODES: ReadonlySet<string> = new Set(['model_not_found']);

// Anthropic says these in the message of a 400 `invalid_request_error` only:
// "Your credit balance is too low to access the Anthropic API…", "You have reached
// your specified API usage limits. You will regain access on …". OpenAI's message
// for its quota codes is "You exceeded your current quota…"; older accounts saw
// "Billing hard limit has been reached".
const BILLING_MESSAGE = /credit balance is too low|reached your specified API usage limits|exceeded your current quota|billing hard limit has been reached|usage is blocked due to insufficient credits/i;
// Anthropic: 400 "This organization has been disabled.", 403 "OAuth authentication is currently
// not allowed for this organization."; OpenAI: 403 "Country, region, or territory not supported",
// 401 "You must be a member of an organization to use the API", "IP not authorized".
const ACCOUNT_MESSAGE = /organi[sz]ation has been disabled|not allowed for this organi[sz]ation|country, region,? or territory not supported|must be a member of an organi[sz]ation|IP not authori[sz]ed/i;
// OpenAI: "The model `x` does not exist or you do not have access to it.", "Project `p` does not
// have access to model `x`"; "model … not available for your organization".
const MODEL_MESSAGE = /do(?:es)? not have access to (?:it|(?:the )?model)|not allowed to (?:sample from|use) this model|model\b.{0,120}\bnot available (?:for|to) your/i;

const matches = (re: RegExp, texts: readonly string[]) => texts.some((m) => re.test(m));

/**
 * The account stop an HTTP error reports, if any. `types` are the error's
 * type and code strings, `messages` its bounded message texts. A malformed
 * request matches none of these and stays a client error.
 */
export function accountStop(status: number | undefined, types: readonly string[], messages: () => readonly string[]): AccountStop | undefined {
  if (types.some((x) => QUOTA_CODES.has(x))) return { kind: 'quota', scope: 'provider' };
  if (status === 402) return { kind: 'quota', scope: 'provider' };
  if (types.some((x) => ACCOUNT_CODES.has(x))) return { kind: 'auth', scope: 'provider' };
  if (status === 401) return { kind: 'auth', scope: 'provider' };
  if (status === undefined || status < 400 || status >= 500 || status === 408 || status === 409 || status === 429) return undefined;
  const texts = messages();
  if (matches(BILLING_MESSAGE, texts)) return { kind: 'quota', scope: 'provider' };
  if (matches(ACCOUNT_MESSAGE, texts)) return { kind: 'auth', scope: 'provider' };
  if (types.some((x) => MODEL_CODES.has(x)) || matches(MODEL_MESSAGE, texts)) return { kind: status === 404 ? 'not_found' : 'auth', scope: 'model' };
  // A 403 that names neither the organisation nor a model: this key may not use this model
  // (an organisation-wide refusal shows on the next model of the provider too).
  if (status === 403) return { kind: 'auth', scope: 'model' };
  return undefined;
}
