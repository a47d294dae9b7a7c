import { expectTypeOf, test } from 'vitest';
import type { z } from 'zod';
import type { clientOptionsSchema } from '../../src/client/check-options.js';
import type { ResilientClientOptions } from '../../src/client/options.js';
import type { AttemptContext, ResilientClient } from '../../src/index.js';

// Keeps the zod schema and the documented public option type from drifting apart.
type SchemaInput = z.input<ReturnType<typeof clientOptionsSchema>>;

test('every public option has a schema entry and vice versa', () => {
  expectTypeOf<keyof SchemaInput>().toEqualTypeOf<keyof ResilientClientOptions>();
  expectTypeOf<ResilientClientOptions['retry']>().toExtend<SchemaInput['retry']>();
  expectTypeOf<ResilientClientOptions['breaker']>().toExtend<SchemaInput['breaker']>();
});

test('run returns exactly what the wrapped call returns', () => {
  type Msg = { id: string; usage: { input_tokens: number } };
  const client = null as unknown as ResilientClient;
  const call = (_: AttemptContext): Promise<Msg> => Promise.resolve({ id: 'x', usage: { input_tokens: 1 } });
  expectTypeOf(client.run(call)).toEqualTypeOf<Promise<Msg>>();
  expectTypeOf(client.run(({ model }) => model.length)).toEqualTypeOf<Promise<number>>();
});
