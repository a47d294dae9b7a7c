import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { FailureKind, ResilienceEventName, ResilienceEvents } from '../../src/index.js';
import { type EventSchemas, eventSchemas, failureKindSchema } from '../../src/sse/schemas.js';

type Out<K extends keyof EventSchemas> = z.output<EventSchemas[K]>;

describe('eventSchemas mirror ResilienceEvents', () => {
  it('has a schema for every event name and no other', () => {
    expectTypeOf<keyof typeof eventSchemas>().toEqualTypeOf<ResilienceEventName>();
  });
  it('each schema outputs exactly the event payload type', () => {
    expectTypeOf<Out<'attempt'>>().toEqualTypeOf<ResilienceEvents['attempt']>();
    expectTypeOf<Out<'success'>>().toEqualTypeOf<ResilienceEvents['success']>();
    expectTypeOf<Out<'failure'>>().toEqualTypeOf<ResilienceEvents['failure']>();
    expectTypeOf<Out<'retry'>>().toEqualTypeOf<ResilienceEvents['retry']>();
    expectTypeOf<Out<'breaker:open'>>().toEqualTypeOf<ResilienceEvents['breaker:open']>();
    expectTypeOf<Out<'breaker:half-open'>>().toEqualTypeOf<ResilienceEvents['breaker:half-open']>();
    expectTypeOf<Out<'breaker:close'>>().toEqualTypeOf<ResilienceEvents['breaker:close']>();
    expectTypeOf<Out<'fallback'>>().toEqualTypeOf<ResilienceEvents['fallback']>();
    expectTypeOf<Out<'exhausted'>>().toEqualTypeOf<ResilienceEvents['exhausted']>();
  });
  it('failure kinds match the classifier', () => {
    expectTypeOf<z.output<typeof failureKindSchema>>().toEqualTypeOf<FailureKind>();
  });
});
