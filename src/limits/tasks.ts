/** Tasks remembered as under way (the oldest forgotten first), and for how long after their last admitted call. */
const MAX_TASKS = 4_096;
const TASK_TTL_MS = 10 * 60_000;

/**
 * The tasks (by `taskId`) with a call admitted recently, in bounded memory: over
 * capacity, their next calls come before the first call of a new task.
 */
export class TaskMemory {
  /** taskId → when its last call was admitted; insertion order is age. */
  readonly #tasks = new Map<string, number>();

  /** A call of `taskId` was admitted at `now`. */
  started(taskId: string | undefined, now: number): void {
    if (taskId === undefined) return;
    this.#tasks.delete(taskId);
    this.#tasks.set(taskId, now);
    if (this.#tasks.size > MAX_TASKS) this.#tasks.delete(this.#tasks.keys().next().value!);
  }

  underWay(taskId: string, now: number): boolean {
    const at = this.#tasks.get(taskId);
    return at !== undefined && now - at < TASK_TTL_MS;
  }

  clear(): void {
    this.#tasks.clear();
  }
}
