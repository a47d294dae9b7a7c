// `llm-resilience/sse`: the client's events as a text/event-stream, and zod schemas to validate its frames.
export { createEventStream, SSE_HEADERS } from './stream.js';
export type { EventStreamOptions } from './options.js';
export { pipeToNodeResponse } from './node.js';
export { createEventHistory } from './history.js';
export type { EventHistory, EventHistoryOptions, HistoryFrame } from './history.js';
export {
  eventSchemas,
  failureKindSchema,
  breakerStateSchema,
  attemptEventSchema,
  successEventSchema,
  failureEventSchema,
  retryEventSchema,
  breakerEventSchema,
  fallbackEventSchema,
  exhaustedEventSchema,
} from './schemas.js';
export type { EventSchemas } from './schemas.js';
export { EVENT_NAMES } from './observable.js';
export type { ObservableClient } from './observable.js';
