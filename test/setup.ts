// Runs before every test file (vitest.config.ts setupFiles).
// The Vercel AI SDK logs a warning per call for the stand-in models our tests use
// ("model is unknown"); they say nothing about this library, so keep the run clean.
(globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS = false;
