import type { RandomSource } from '../clock/clock.js';

/** What ordering needs to know of a deployment. */
export interface Weighted {
  readonly id: string;
  readonly weight: number;
  readonly priority: number;
}

/**
 * The order in which one call tries a model's deployments: lower priority
 * first; within a priority, a weighted random order (each deployment leads
 * with probability weight / total of its group); then every deployment that
 * cannot serve now (`ready` false: breaker open, or no room) after those that can.
 */
export function orderDeployments<D extends Weighted>(list: readonly D[], random: RandomSource, ready: (id: string) => boolean): D[] {
  if (list.length === 1) return [list[0]!];
  // Weighted sampling without replacement: key u^(1/w), highest first (Efraimidis–Spirakis).
  const keyed = list.map((d) => ({ d, key: Math.max(random(), Number.MIN_VALUE) ** (1 / d.weight), ready: ready(d.id) }));
  keyed.sort((a, b) => Number(b.ready) - Number(a.ready) || a.d.priority - b.d.priority || b.key - a.key);
  return keyed.map((k) => k.d);
}
