import type { Clock } from '../clock/clock.js';
import { redact } from '../errors/redact.js';
import { pct } from './health.js';
import type { Notices } from './notices.js';
import type { ResolvedMonitorOptions } from './options.js';

const BUDGET_SCOPES_KEPT = 100;

/** A budget scope's last reported use, as the snapshot lists it. */
export interface BudgetUse {
  fraction: number;
  refused: number;
  updatedAt: number;
}

/** Budget use per scope (the most recent {@link BUDGET_SCOPES_KEPT} scopes) and the budget alert rule. */
export class BudgetWatch {
  readonly scopes = new Map<string, BudgetUse>();
  readonly #clock: Clock;
  readonly #options: ResolvedMonitorOptions;
  readonly #notices: Notices;

  constructor(clock: Clock, options: ResolvedMonitorOptions, notices: Notices) {
    this.#clock = clock;
    this.#options = options;
    this.#notices = notices;
  }

  /** See {@link Monitor.recordBudget}. */
  record(scope: string, fraction: number, refusedModel?: string): void {
    const now = this.#clock.now();
    const refused = (this.scopes.get(scope)?.refused ?? 0) + (refusedModel !== undefined ? 1 : 0);
    this.scopes.delete(scope);
    this.scopes.set(scope, { fraction, refused, updatedAt: now });
    if (this.scopes.size > BUDGET_SCOPES_KEPT) this.scopes.delete(this.scopes.keys().next().value!);
    const rule = this.#options.rules.budget;
    if (!rule) return;
    const safe = redact(scope);
    const level = rule.level === 'critical' ? 'critical' : 'error';
    const base = { rule: 'budget', scope: safe, value: fraction, threshold: rule.threshold } as const;
    if (refusedModel !== undefined) {
      this.#notices.alert(rule.cooldownMs, { ...base, level, key: `budget:refused:${safe}`, model: refusedModel, message: `Budget ${safe} had no room for a call to ${refusedModel} at ${pct(fraction)} used` });
    } else if (fraction >= rule.threshold) {
      const over = fraction >= 1;
      this.#notices.alert(rule.cooldownMs, { ...base, level: over ? level : rule.level, key: `budget:${over ? 'exceeded' : 'near'}:${safe}`, message: `Budget ${safe} at ${pct(fraction)} (alert at ${pct(rule.threshold)})` });
    }
  }
}
