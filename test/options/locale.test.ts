import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod/mini';
import { ResilientClient } from '../../src/index.js';

// A few checks carry no message of their own and use zod's English one. The
// package must give the same words whether or not anything else loaded zod's
// English locale, and whatever an application configures for its own schemas.
const cases: [unknown, RegExp][] = [
  [5, /\(options\): expected Invalid input: expected object, received number, received 5/],
  [null, /\(options\): expected Invalid input: expected object, received null, received null/],
  [{ models: ['gpt-4o'], limits: 7 }, /limits: expected Invalid input: expected object, received number, received 7/],
  [{ models: ['gpt-4o'], monitor: { alerts: [{}] } }, /monitor\.alerts: expected Invalid input: expected object, received array, received an array of 1/],
];

afterEach(() => {
  z.config({ customError: undefined });
  z.config(z.locales.en());
});

describe("zod's own messages in option errors", () => {
  it('are English with no locale configured anywhere', () => {
    z.config({ localeError: undefined });
    for (const [options, message] of cases) expect(() => new ResilientClient(options as never)).toThrow(message);
  });

  it("are not changed by an application's global zod configuration", () => {
    z.config({ customError: () => 'the application says no' });
    for (const [options, message] of cases) expect(() => new ResilientClient(options as never)).toThrow(message);
  });
});
