/**
 * A stand-in for the EventEmitter opossum accepts as `rotateBucketController`.
 * opossum only calls `on`, `removeListener` and `listenerCount` on it, so one
 * slot is enough, and we rotate lazily from the clock instead of on an interval:
 * an idle breaker costs no timer and no CPU.
 */
export class LazyRotation {
  #rotate: (() => void) | undefined;
  on(_event: string, fn: () => void): this {
    this.#rotate = fn;
    return this;
  }
  removeListener(): this {
    this.#rotate = undefined;
    return this;
  }
  listenerCount(): number {
    return this.#rotate ? 1 : 0;
  }
  rotate(times: number): void {
    for (let i = 0; i < times; i++) this.#rotate?.();
  }
}
