import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { FailureKind, ResilienceEventName, ResilienceEvents } from '../../src/index.js';
import type { EventSchemas, eventSchemas, failureKindSchema } from '../../src/sse/schemas.js';
import type { EVENT_NAMES } from '../../src/sse/observable.js';

/**
 * A payload as it arrives over JSON: a key typed `T | undefined` is absent when
 * undefined (JSON.stringify drops it), so on the wire it is optional.
 */
type UndefinedKeys<T> = { [P in keyof T]-?: undefined extends T[P] ? P : never }[keyof T];
type Wire<T> = Omit<T, UndefinedKeys<T>> & Partial<Pick<T, UndefinedKeys<T>>>;

/** Events whose schema output is not mutually assignable with the client's payload type (on the wire). */
type Mismatched = {
  [K in keyof EventSchemas & ResilienceEventName]: [z.output<EventSchemas[K]>] extends [Wire<ResilienceEvents[K]>]
    ? [Wire<ResilienceEvents[K]>] extends [z.output<EventSchemas[K]>]
      ? never
      : K
    : K;
}[keyof EventSchemas & ResilienceEventName];

describe('eventSchemas mirror ResilienceEvents', () => {
  it('has a schema for every event the client emits, and none for a name it does not', () => {
    expectTypeOf<Exclude<ResilienceEventName, keyof typeof eventSchemas>>().toEqualTypeOf<never>();
    expectTypeOf<Exclude<keyof typeof eventSchemas, ResilienceEventName>>().toEqualTypeOf<never>();
  });
  it('the SSE feed forwards every event name by default', () => {
    expectTypeOf<Exclude<ResilienceEventName, (typeof EVENT_NAMES)[number]>>().toEqualTypeOf<never>();
  });
  it('each schema outputs exactly the event payload type (mutually assignable)', () => {
    expectTypeOf<Mismatched>().toEqualTypeOf<never>();
  });
  it('core payloads are identical types, readonly included', () => {
    expectTypeOf<z.output<EventSchemas['attempt']>>().toEqualTypeOf<ResilienceEvents['attempt']>();
    expectTypeOf<z.output<EventSchemas['success']>>().toEqualTypeOf<ResilienceEvents['success']>();
    expectTypeOf<z.output<EventSchemas['failure']>>().toEqualTypeOf<ResilienceEvents['failure']>();
    expectTypeOf<z.output<EventSchemas['retry']>>().toEqualTypeOf<ResilienceEvents['retry']>();
    expectTypeOf<z.output<EventSchemas['breaker:open']>>().toEqualTypeOf<ResilienceEvents['breaker:open']>();
    expectTypeOf<z.output<EventSchemas['fallback']>>().toEqualTypeOf<ResilienceEvents['fallback']>();
    expectTypeOf<z.output<EventSchemas['exhausted']>>().toEqualTypeOf<ResilienceEvents['exhausted']>();
  });
  it('failure kinds match the classifier', () => {
    expectTypeOf<z.output<typeof failureKindSchema>>().toEqualTypeOf<FailureKind>();
  });
});
