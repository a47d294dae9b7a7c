export { createFakeClock } from './fake-clock.js';
export type { FakeClock, FakeClockOptions } from './fake-clock.js';
export { createFakeProvider, step, FakeAPIError } from './fake-provider.js';
export type { FakeProvider, FakeStep, FakeCall, FakeResponse, FakeUsage } from './fake-provider.js';
