// examples/rate-limits.ts: the clients it builds are accepted as written (the options are checked at construction).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/errors.js';
import { createClient, createLimitedClient, createWorkerClient } from '../../examples/rate-limits.js';

describe('examples/rate-limits', () => {
  it('builds its clients, a worker told how many share the key among them', () => {
    for (const client of [createClient(), createLimitedClient(), createWorkerClient(4)]) client.dispose();
  });

  it('a worker count the option does not take is refused, naming it', () => {
    expect(() => createWorkerClient(0)).toThrow(ConfigError);
    expect(() => createWorkerClient(0)).toThrow(/limits\.processes/);
  });
});
