import { describe, expect, it } from 'vitest';
import { ResilientClient, isConfigError } from '../../src/index.js';

describe('a throwing getter in the options', () => {
  it('is reported at its own path, not as (options)', () => {
    const options = {
      models: ['m'],
      retry: {
        get maxRetries(): number {
          throw new Error('boom');
        },
      },
    };
    let err: unknown;
    try {
      new ResilientClient(options);
    } catch (e) {
      err = e;
    }
    expect(isConfigError(err)).toBe(true);
    expect((err as { issues: { path: string }[] }).issues[0]!.path).toBe('retry.maxRetries');
  });
});
