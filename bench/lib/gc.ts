import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full GC, whether or not node was started with --expose-gc: the flag can be
 * turned on at run time and `gc` read from a fresh context. This keeps
 * `npm run bench` / `npm run soak` plain `tsx` commands.
 */
export function getGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Heap used after two full collections (the second catches finalizer leftovers). */
export function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
