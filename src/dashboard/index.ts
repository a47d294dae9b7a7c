// `llm-resilience/dashboard`: a read-only live page fed by the SSE stream. Node-only parts
// (startDashboardServer) are exported too; createDashboardHandler's fetch handler runs on edge runtimes.
export { createDashboardHandler } from './handler.js';
export type { DashboardOptions, DashboardHandler } from './handler.js';
export { startDashboardServer } from './server.js';
export type { DashboardServerOptions, DashboardServer } from './server.js';
