import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { didYouMean, unknownOptionMessage, validateOptions } from '../../src/options/validate.js';
import { isConfigError } from '../../src/index.js';

describe('didYouMean', () => {
  it.each([
    ['maxRetry', ['maxRetries', 'initialDelayMs', 'maxRetryAfterMs'], 'maxRetries'],
    ['retyr', ['retry', 'breaker'], 'retry'],
    ['modles', ['models', 'monitor'], 'models'],
    ['resetTimeout', ['resetTimeoutMs', 'rollingWindowMs'], 'resetTimeoutMs'],
    ['TIMEOUTMS', ['timeoutMs'], 'timeoutMs'],
    ['xyz', ['retry', 'breaker', 'models'], undefined],
    ['apiKey', ['models', 'retry', 'breaker', 'timeoutMs'], undefined],
    ['a', ['b'], 'b'],
    ['ab', ['cd'], undefined],
    ['retry', ['retry'], undefined],
  ] as const)('%s among %j → %s', (input, candidates, expected) => {
    expect(didYouMean(input, candidates)).toBe(expected);
  });

  it('prefers the closest candidate', () => {
    expect(didYouMean('maxRetries1', ['maxRetryAfterMs', 'maxRetries'])).toBe('maxRetries');
  });

  it('adds the suggestion to the message only when there is one', () => {
    expect(unknownOptionMessage('maxRetry', ['maxRetries'])).toBe('unknown option, did you mean `maxRetries`?');
    expect(unknownOptionMessage('zzz', ['maxRetries'])).toBe('unknown option');
  });

  it('suggests a name the key starts, and says why a key is not read when nothing is close', () => {
    expect(unknownOptionMessage('maxRet', ['maxRetries', 'baseDelayMs'])).toBe('unknown option, did you mean `maxRetries`?');
    expect(unknownOptionMessage('model', ['taskId'], 'the wrapper sets it')).toBe('unknown option (the wrapper sets it)');
    expect(unknownOptionMessage('taskid', ['taskId'], 'the wrapper sets it')).toBe('unknown option, did you mean `taskId`?');
  });
});

describe('validateOptions suggestions', () => {
  const schema = z.strictObject({
    retry: z.union([z.strictObject({ maxRetries: z.number().optional() }), z.literal(false)]).optional(),
    models: z.record(z.string(), z.strictObject({ requestsPerMinute: z.number().optional() })).optional(),
    list: z.array(z.strictObject({ name: z.string() })).optional(),
  });
  const issues = (input: unknown) => {
    try {
      validateOptions(schema, input, 'opts');
    } catch (error) {
      if (isConfigError(error)) return error.issues;
      throw error;
    }
    return [];
  };

  it('finds the known names through unions, records and arrays', () => {
    expect(issues({ retry: { maxRetry: 1 } })).toEqual([{ path: 'opts.retry.maxRetry', message: 'unknown option, did you mean `maxRetries`?' }]);
    expect(issues({ models: { a: { requestsPerMinut: 1 } } })).toEqual([{ path: 'opts.models.a.requestsPerMinut', message: 'unknown option, did you mean `requestsPerMinute`?' }]);
    expect(issues({ list: [{ name: 'x', nmae: 1 }] })).toEqual([{ path: 'opts.list.0.nmae', message: 'unknown option, did you mean `name`?' }]);
    expect(issues({ retyr: false })).toEqual([{ path: 'opts.retyr', message: 'unknown option, did you mean `retry`?' }]);
  });

  it('never echoes the value of an unknown key', () => {
    const found = issues({ retry: { maxRetry: 'sk-proj-abcdefghijklmnopqrstuvwxyz' } });
    expect(JSON.stringify(found)).not.toContain('sk-proj');
  });
});
