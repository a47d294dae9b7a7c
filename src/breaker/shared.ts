/**
 * Breaker state shared across processes (opt-in). The local opossum breaker
 * still counts and decides for this process; the shared view only adds "some
 * other process has this model open" and "only one process probes at a time".
 * `llm-resilience/redis` ships `RedisBreakerState`, which implements this.
 */
export interface SharedBreaker {
  /** Synchronous, from a cache refreshed in the background (bounded staleness). */
  readState(model: string): { readonly state: 'closed' | 'open' | 'half-open'; readonly openUntil?: number };
  publishOpen(model: string, openUntil: number): Promise<void>;
  publishClosed(model: string): Promise<void>;
  /** True for exactly one process per lease: the one that sends the half-open probe. */
  acquireProbe(model: string, leaseMs: number): Promise<boolean>;
  /**
   * Frees this process's probe lease without a verdict (the probe was aborted by its caller, or
   * ended in an answer that says nothing of the model's health), so another process may probe
   * at once instead of after the lease. Optional: without it the lease lapses on its own.
   */
  releaseProbe?(model: string): Promise<void>;
}
