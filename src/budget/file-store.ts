import type { FileHandle } from 'node:fs/promises';
import { type Amount, type BudgetStore, MemoryBudgetStore, type StoreReserveResult, type StoreLimit, type Totals, ZERO } from './store.js';

export interface FileBudgetStoreOptions {
  /**
   * Call `fsync` after every record, so a power loss (not only a crash of the
   * process) keeps it. Costs a disk flush per settled call.
   * @default false
   */
  readonly fsync?: boolean;
}

/** One settled amount, one line: `{"k":"day:2026-01-01","t":1234,"c":5678}`. */
interface LogRecord {
  readonly k: string;
  readonly t: number;
  readonly c: number;
}

const isRecord = (v: unknown): v is LogRecord => {
  const r = v as Partial<LogRecord> | null;
  return (
    typeof r === 'object' && r !== null && typeof r.k === 'string' && Number.isSafeInteger(r.t) && r.t! >= 0 && Number.isSafeInteger(r.c) && r.c! >= 0
  );
};

/**
 * A {@link BudgetStore} that keeps totals in memory and appends every settled
 * amount to a JSON Lines file, so day and task totals survive a restart.
 *
 * Safe writes: each record is one `write` of one line in append mode, so a
 * crash can leave at most a torn last line. {@link FileBudgetStore.open}
 * truncates such a tail before appending again (otherwise the next record
 * would be glued to it and lost too) and skips any line that does not parse.
 *
 * Reservations are not written: after a restart the calls that held them are
 * gone. One process per file; several processes need a shared store (Redis).
 *
 * @example
 * const store = await FileBudgetStore.open('./budget.jsonl');
 * const client = new ResilientClient({ models, budget: { day: { maxCostUsd: 20 }, store } });
 */
export class FileBudgetStore implements BudgetStore {
  readonly path: string;
  /** Lines that did not parse when the file was opened (a torn tail is counted here too). */
  readonly skippedLines: number;
  readonly #memory: MemoryBudgetStore;
  readonly #handle: FileHandle;
  readonly #fsync: boolean;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, memory: MemoryBudgetStore, handle: FileHandle, skipped: number, fsync: boolean) {
    this.path = path;
    this.#memory = memory;
    this.#handle = handle;
    this.skippedLines = skipped;
    this.#fsync = fsync;
  }

  /** Reads `path` (creating it if missing), rebuilds the totals and opens it for appending. */
  static async open(path: string, options: FileBudgetStoreOptions = {}): Promise<FileBudgetStore> {
    // Loaded here, not at the top: the main entry must stay importable where `node:fs` does not exist.
    const fs = await import('node:fs/promises');
    const memory = new MemoryBudgetStore();
    let skipped = 0;
    let text = '';
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    }
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline + 1 < text.length) {
      // A torn last record from a crash mid-write: cut it off at the last complete line.
      skipped++;
      await fs.truncate(path, Buffer.byteLength(text.slice(0, lastNewline + 1), 'utf8'));
      text = text.slice(0, lastNewline + 1);
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        skipped++;
        continue;
      }
      if (isRecord(parsed)) memory.addUsedSync(parsed.k, { tokens: parsed.t, costNanos: parsed.c });
      else skipped++;
    }
    const handle = await fs.open(path, 'a');
    return new FileBudgetStore(path, memory, handle, skipped, options.fsync ?? false);
  }

  #append(key: string, used: Amount): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`FileBudgetStore is closed: ${this.path}`));
    const line = `${JSON.stringify({ k: key, t: used.tokens, c: used.costNanos } satisfies LogRecord)}\n`;
    // Chained so lines are written whole and in order; one failure does not block later records.
    const write = this.#tail.then(async () => {
      await this.#handle.appendFile(line, 'utf8');
      if (this.#fsync) await this.#handle.sync();
    });
    this.#tail = write.catch(() => {});
    return write;
  }

  async get(key: string): Promise<Totals> {
    return this.#memory.getSync(key);
  }

  async reserve(key: string, amount: Amount, limit?: StoreLimit): Promise<StoreReserveResult> {
    return this.#memory.reserveSync(key, amount, limit);
  }

  /** Updates the totals at once (atomic), then resolves when the record is on disk. */
  async settle(key: string, reserved: Amount, used: Amount): Promise<Totals> {
    const totals = this.#memory.settleSync(key, reserved, used);
    if (used.tokens > 0 || used.costNanos > 0) await this.#append(key, used);
    return totals;
  }

  async release(key: string, reserved: Amount): Promise<Totals> {
    return this.#memory.settleSync(key, reserved, ZERO);
  }

  /** Waits for pending writes and closes the file. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#handle.close();
  }
}
