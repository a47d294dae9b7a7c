// The streaming capability, for the client and the package entry to re-export by name.
export { isStreamResult, streamKind, type StreamKind } from './detect.js';
export { StreamInterruptedError, isStreamInterruptedError, type StreamInterruptReason, type StreamProgress } from './errors.js';
export {
  streamEventHooks,
  type StreamCommittedEvent,
  type StreamEmitter,
  type StreamEndEvent,
  type StreamEventContext,
  type StreamEvents,
  type StreamFailedEvent,
  type StreamUsageRequestedEvent,
} from './events.js';
export { ensureIncludeUsage, type IncludeUsageResult } from './include-usage.js';
export { firstChunkLimitMs, isStreamRequest, streamOptionsSchema, validateStreamOptions, type StreamOptions } from './options.js';
export { primeStream, type PrimeOptions, type Primed, type StreamCommitInfo, type StreamOutcome, type StreamSummary } from './prime.js';
export { StreamUsageAccumulator, usageFromChunks, type StreamUsage } from './usage.js';
