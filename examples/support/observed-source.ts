// `source` for examples/sse-validate.ts: the observed client's event stream,
// read in-process through the EventSource stand-in.
import { createEventStream } from 'llm-resilience/sse';
import { client } from './observed-client.js';
import { eventSourceFrom } from './sse-source.js';

export const source = eventSourceFrom(createEventStream(client));
