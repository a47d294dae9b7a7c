import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/classify/classify.js';

// The three shapes one provider answer takes on its way to us (see the providers' SDKs):
// openai's APIError (inner body in `error`, `code`/`type` copied up), Anthropic's (whole body in
// `error`, `type` copied up) and the AI SDK's APICallError (status in `statusCode`, body as text).
const openai = (status: number, message: string, type: string | null, code: string | null = null) =>
  Object.assign(new Error(`${status} ${message}`), { status, headers: new Headers(), error: { message, type, param: null, code }, code, type });
const anthropic = (status: number, type: string, message: string, details?: unknown) =>
  Object.assign(new Error(`${status} ${JSON.stringify({ type: 'error', error: { type, message } })}`), {
    status,
    headers: new Headers(),
    error: { type: 'error', error: { type, message, ...(details ? { details } : {}) }, request_id: 'req_1' },
    type,
  });
const aiSdk = (statusCode: number, body: unknown, message: string) =>
  Object.assign(new Error(message), { name: 'AI_APICallError', statusCode, responseHeaders: {}, responseBody: JSON.stringify(body), isRetryable: statusCode === 429 });

const CREDIT = 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.';
const USAGE = 'You have reached your specified API usage limits. You will regain access on 2026-04-01 at 00:00 UTC.';
const QUOTA = 'You exceeded your current quota, please check your plan and billing details.';

type Row = [label: string, error: unknown, kind: string, scope: 'provider' | 'model' | undefined];
const rows: Row[] = [
  // Anthropic
  ['anthropic 400 credit balance too low', anthropic(400, 'invalid_request_error', CREDIT), 'quota', 'provider'],
  ['anthropic 400 workspace usage limit', anthropic(400, 'invalid_request_error', USAGE), 'quota', 'provider'],
  ['anthropic 400 organization disabled', anthropic(400, 'invalid_request_error', 'This organization has been disabled.'), 'auth', 'provider'],
  ['anthropic 402 billing_error', anthropic(402, 'billing_error', 'There is an issue with your billing.'), 'quota', 'provider'],
  ['anthropic 403 OAuth not allowed for organization', anthropic(403, 'permission_error', 'OAuth authentication is currently not allowed for this organization.'), 'auth', 'provider'],
  ['anthropic 403 permission_error', anthropic(403, 'permission_error', 'Your API key does not have permission to use the specified resource.'), 'auth', 'model'],
  ['anthropic 401 authentication_error', anthropic(401, 'authentication_error', 'invalid x-api-key'), 'auth', 'provider'],
  ['anthropic 429 spend limit', anthropic(429, 'rate_limit_error', 'spend limit', { error_code: 'enforced_spend_limit_reached' }), 'quota', 'provider'],
  ['anthropic 429 rate limit', anthropic(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), 'rate_limit', undefined],
  ['anthropic 400 malformed', anthropic(400, 'invalid_request_error', 'messages: at least one message is required'), 'client', undefined],
  ['anthropic 400 prompt too long', anthropic(400, 'invalid_request_error', 'prompt is too long: 208310 tokens > 200000 maximum'), 'context_length', undefined],
  ['anthropic 404 model', anthropic(404, 'not_found_error', 'model: claude-nope'), 'not_found', undefined],
  // OpenAI
  ['openai 429 insufficient_quota', openai(429, QUOTA, 'insufficient_quota', 'insufficient_quota'), 'quota', 'provider'],
  ['openai 429 credit_balance_exhausted', openai(429, QUOTA, 'insufficient_quota', 'credit_balance_exhausted'), 'quota', 'provider'],
  ['openai 429 organization_spend_limit_exceeded', openai(429, QUOTA, 'insufficient_quota', 'organization_spend_limit_exceeded'), 'quota', 'provider'],
  ['openai 429 project_spend_limit_exceeded', openai(429, QUOTA, 'insufficient_quota', 'project_spend_limit_exceeded'), 'quota', 'provider'],
  ['openai 429 organization_usage_limit_exceeded', openai(429, QUOTA, 'insufficient_quota', 'organization_usage_limit_exceeded'), 'quota', 'provider'],
  ['openai 400 billing_hard_limit_reached', openai(400, 'Billing hard limit has been reached', 'invalid_request_error', 'billing_hard_limit_reached'), 'quota', 'provider'],
  ['openai 429 billing_not_active', openai(429, 'Your account is not active, please check your billing details on our website.', 'billing_not_active', 'billing_not_active'), 'quota', 'provider'],
  ['openai 403 unsupported region', openai(403, 'Country, region, or territory not supported', 'request_forbidden', 'unsupported_country_region_territory'), 'auth', 'provider'],
  ['openai 401 invalid_api_key', openai(401, 'Incorrect API key provided: sk-…', 'invalid_request_error', 'invalid_api_key'), 'auth', 'provider'],
  ['openai 401 not in an organization', openai(401, 'You must be a member of an organization to use the API.', 'invalid_request_error', 'no_organization'), 'auth', 'provider'],
  ['openai 404 model not available to the account', openai(404, 'The model `gpt-5` does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found'), 'not_found', 'model'],
  ['openai 403 project has no access to the model', openai(403, 'Project `proj_1` does not have access to model `o3`', 'invalid_request_error', 'model_not_found'), 'auth', 'model'],
  ['openai 429 rate limit', openai(429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded'), 'rate_limit', undefined],
  ['openai 400 malformed', openai(400, "Invalid value for 'temperature'", 'invalid_request_error', 'invalid_value'), 'client', undefined],
  ['openai 400 context', openai(400, 'maximum context length is 128000 tokens', 'invalid_request_error', 'context_length_exceeded'), 'context_length', undefined],
  // AI SDK (APICallError: statusCode + responseBody text; its message is the provider's message)
  ['ai sdk anthropic 400 credit balance', aiSdk(400, { type: 'error', error: { type: 'invalid_request_error', message: CREDIT } }, CREDIT), 'quota', 'provider'],
  ['ai sdk anthropic 402', aiSdk(402, { type: 'error', error: { type: 'billing_error', message: 'billing' } }, 'billing'), 'quota', 'provider'],
  ['ai sdk anthropic 403 permission', aiSdk(403, { type: 'error', error: { type: 'permission_error', message: 'no permission' } }, 'no permission'), 'auth', 'model'],
  ['ai sdk anthropic 429 spend limit', aiSdk(429, { type: 'error', error: { type: 'rate_limit_error', message: 'x', details: { error_code: 'enforced_spend_limit_reached' } } }, 'x'), 'quota', 'provider'],
  ['ai sdk openai 429 insufficient_quota', aiSdk(429, { error: { message: QUOTA, type: 'insufficient_quota', code: 'insufficient_quota' } }, QUOTA), 'quota', 'provider'],
  ['ai sdk openai 429 credit_balance_exhausted', aiSdk(429, { error: { message: QUOTA, type: 'insufficient_quota', code: 'credit_balance_exhausted' } }, QUOTA), 'quota', 'provider'],
  ['ai sdk openai 403 region', aiSdk(403, { error: { message: 'Country, region, or territory not supported', type: 'request_forbidden', code: 'unsupported_country_region_territory' } }, 'Country, region, or territory not supported'), 'auth', 'provider'],
  ['ai sdk openai 400 malformed', aiSdk(400, { error: { message: 'bad', type: 'invalid_request_error', code: null } }, 'bad'), 'client', undefined],
  ['ai sdk RetryError around a quota 429', { name: 'AI_RetryError', errors: [], lastError: aiSdk(429, { error: { type: 'insufficient_quota', code: 'insufficient_quota' } }, QUOTA) }, 'quota', 'provider'],
];

describe('account stops: every documented shape of "this account cannot be served"', () => {
  it.each(rows)('%s', (_label, error, kind, scope) => {
    const c = classifyError(error);
    expect(c.kind).toBe(kind);
    expect(c.scope).toBe(scope);
    if (scope !== undefined) {
      // Waiting does not clear it: never retried on the same model, always moves the chain on.
      expect(c).toMatchObject({ retryable: false, fallback: true });
    }
  });

  it('a quota thrown by name alone (the Anthropic SDK spend-limit class) still reaches the whole provider', () => {
    const e = Object.assign(new Error('spend limit'), { name: 'EnforcedSpendLimitReachedError', status: 429 });
    expect(classifyError(e)).toMatchObject({ kind: 'quota', scope: 'provider', retryable: false });
  });

  it('a quota code inside a 200 stream (no status) is a provider stop', () => {
    const e = Object.assign(new Error('quota'), { status: undefined, error: { type: 'insufficient_quota', code: 'insufficient_quota' } });
    expect(classifyError(e)).toMatchObject({ kind: 'quota', scope: 'provider' });
  });

  it('the caller aborting is never an account stop, whatever the message says', () => {
    const e = Object.assign(new Error(CREDIT), { name: 'APIUserAbortError' });
    expect(classifyError(e)).toMatchObject({ kind: 'abort' });
    expect(classifyError(e).scope).toBeUndefined();
  });

  it('echoes the documented billing code, never the message', () => {
    expect(classifyError(openai(429, QUOTA, 'insufficient_quota', 'project_spend_limit_exceeded')).type).toBe('project_spend_limit_exceeded');
    expect(JSON.stringify(classifyError(anthropic(400, 'invalid_request_error', CREDIT)))).not.toContain('credit balance');
  });
});
