import type { FileHandle } from 'node:fs/promises';
import { type Amount, type BudgetStore, MemoryBudgetStore, type StoreReserveResult, type StoreLimit, type Totals, ZERO } from './store.js';

export interface FileBudgetStoreOptions {
  /**
   * Call `fsync` after every record, so a power loss (not only a crash of the
   * process) keeps it. Costs a disk flush per settled call.
   * @default false
   */
  readonly fsync?: boolean | undefined;
  /**
   * Rewrite the log as one line per live key after this many appended
   * records (and on open when the log holds more), so the file stays about
   * as large as the live totals. `0` turns compaction off.
   * @default 10_000
   */
  readonly compactEvery?: number | undefined;
}

/** One settled amount, one line: `{"k":"day:2026-01-01","t":1234,"c":5678}`. */
interface LogRecord {
  readonly k: string;
  readonly t: number;
  readonly c: number;
}

/**
 * A key the budget dropped (its period is over, or a task idle past
 * `taskTtlMs`): `{"k":"task:job","d":1}`. Replayed as a deletion, so the key's
 * earlier records do not bring its total back after a restart.
 */
interface Tombstone {
  readonly k: string;
  readonly d: 1;
}
const isTombstone = (v: unknown): v is Tombstone => typeof v === 'object' && v !== null && typeof (v as Tombstone).k === 'string' && (v as Tombstone).d === 1;

const isRecord = (v: unknown): v is LogRecord => {
  const r = v as Partial<LogRecord> | null;
  return (
    typeof r === 'object' && r !== null && typeof r.k === 'string' && Number.isSafeInteger(r.t) && r.t! >= 0 && Number.isSafeInteger(r.c) && r.c! >= 0
  );
};

const line = (k: string, used: Amount): string => `${JSON.stringify({ k, t: used.tokens, c: used.costNanos } satisfies LogRecord)}\n`;
const DEFAULT_COMPACT_EVERY = 10_000;
const READ_CHUNK = 1 << 16;
// Records are short; a longer line is not one of ours.
const MAX_LINE = 1 << 20;
const NEWLINE = 0x0a;

type Fs = typeof import('node:fs/promises');

/**
 * A {@link BudgetStore} that keeps totals in memory and appends every settled
 * amount to a JSON Lines file, so day and task totals survive a restart.
 *
 * Safe writes: each record is one `write` of one line in append mode, so a
 * crash can leave at most a torn last line. {@link FileBudgetStore.open}
 * reads the file in chunks (any size), truncates such a tail before appending
 * again (otherwise the next record would be glued to it and lost too) and
 * skips any line that does not parse.
 *
 * Compaction: every `compactEvery` records the live totals are written to a
 * temporary file, flushed, and renamed over the log in one step, so a crash
 * leaves either the old log or the new one, never a mix. Keys the budget
 * dropped (past days, idle tasks) are left out.
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
  readonly #fs: Fs;
  readonly #fsync: boolean;
  readonly #compactEvery: number;
  #handle: FileHandle;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;
  /** Records in the file now: compaction is due when it passes `compactEvery` above the live keys. */
  #records: number;
  #compactions = 0;

  private constructor(path: string, fs: Fs, memory: MemoryBudgetStore, handle: FileHandle, skipped: number, records: number, options: FileBudgetStoreOptions) {
    this.path = path;
    this.#fs = fs;
    this.#memory = memory;
    this.#handle = handle;
    this.skippedLines = skipped;
    this.#records = records;
    this.#fsync = options.fsync ?? false;
    this.#compactEvery = options.compactEvery ?? DEFAULT_COMPACT_EVERY;
  }

  /** Reads `path` (creating it if missing), rebuilds the totals and opens it for appending. */
  static async open(path: string, options: FileBudgetStoreOptions = {}): Promise<FileBudgetStore> {
    // Loaded here, not at the top: the main entry must stay importable where `node:fs` does not exist.
    const fs = await import('node:fs/promises');
    // A compaction that crashed before its rename: the log itself is intact.
    await fs.rm(`${path}.compact`, { force: true });
    const memory = new MemoryBudgetStore();
    const read = await readLog(fs, path, memory);
    if (read.tornAt !== undefined) await fs.truncate(path, read.tornAt);
    const handle = await fs.open(path, 'a');
    const store = new FileBudgetStore(path, fs, memory, handle, read.skipped, read.records, options);
    if (store.#compactDue()) await store.compact();
    return store;
  }

  #compactDue(): boolean {
    return this.#compactEvery > 0 && this.#records >= this.#memory.keys().length + this.#compactEvery;
  }

  #append(key: string, used: Amount | 'deleted'): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`FileBudgetStore is closed: ${this.path}`));
    const text = used === 'deleted' ? `${JSON.stringify({ k: key, d: 1 } satisfies Tombstone)}\n` : line(key, used);
    // Chained so lines are written whole and in order; one failure does not block later records.
    const write = this.#tail.then(async () => {
      await this.#handle.appendFile(text, 'utf8');
      if (this.#fsync) await this.#handle.sync();
    });
    this.#tail = write.catch(() => {});
    this.#records++;
    if (this.#compactDue()) void this.compact().catch(() => {}); // retried at the next due record
    return write;
  }

  /**
   * Rewrites the log as one line per live key (crash-safe: temporary file,
   * flush, rename). Runs after the writes already queued; called
   * automatically every `compactEvery` records.
   */
  compact(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    // The totals are taken now, in step with the queue: every record queued
    // before is in them, every record queued after is appended after the rewrite.
    const text = this.#memory
      .keys()
      .map((k) => [k, this.#memory.getSync(k).used] as const)
      .filter(([, u]) => u.tokens > 0 || u.costNanos > 0)
      .map(([k, u]) => line(k, u));
    const records = text.length;
    this.#records = records; // counted as done, so a failing disk is not retried on every record
    const run = this.#tail.then(async () => {
      const tmp = `${this.path}.compact`;
      const out = await this.#fs.open(tmp, 'w');
      try {
        for (let i = 0; i < text.length; i += 1_000) await out.appendFile(text.slice(i, i + 1_000).join(''), 'utf8');
        await out.sync();
      } finally {
        await out.close();
      }
      try {
        await this.#fs.rename(tmp, this.path);
      } catch (error) {
        await this.#fs.rm(tmp, { force: true });
        throw error;
      }
      const old = this.#handle;
      this.#handle = await this.#fs.open(this.path, 'a');
      this.#compactions++;
      await old.close();
    });
    this.#tail = run.catch(() => {});
    return run;
  }

  /** Compactions done since open (for inspection and tests). */
  get compactions(): number {
    return this.#compactions;
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

  /**
   * Drops a key whose period is over, at once, and records the deletion so it
   * holds across a restart; the next compaction leaves the key out of the file.
   */
  delete(key: string): Promise<void> {
    this.#memory.delete(key);
    return this.#append(key, 'deleted');
  }

  keys(): readonly string[] {
    return this.#memory.keys();
  }

  /** Waits for pending writes and closes the file. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#handle.close();
  }
}

/**
 * Replays the log into `memory`, one chunk at a time: a log of any size opens
 * without being held in memory as one string. Lines are split on the newline
 * byte, which never occurs inside a UTF-8 multi-byte character.
 */
async function readLog(fs: Fs, path: string, memory: MemoryBudgetStore): Promise<{ skipped: number; records: number; tornAt: number | undefined }> {
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return { skipped: 0, records: 0, tornAt: undefined };
    throw error;
  }
  let skipped = 0;
  let records = 0;
  let restAt = 0; // file offset of `rest`'s first byte
  let lineEnd = 0; // file offset just past the last newline
  let rest = Buffer.alloc(0);
  let discarding = false; // inside a line too long to be a record
  const take = (bytes: Buffer) => {
    const text = bytes.toString('utf8');
    if (text === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      skipped++;
      return;
    }
    if (isRecord(parsed)) {
      memory.addUsedSync(parsed.k, { tokens: parsed.t, costNanos: parsed.c });
      records++;
    } else if (isTombstone(parsed)) {
      memory.delete(parsed.k);
      records++;
    } else skipped++;
  };
  try {
    const chunk = Buffer.alloc(READ_CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, READ_CHUNK, null);
      if (bytesRead === 0) break;
      const data = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
        if (discarding) discarding = false;
        else take(data.subarray(start, nl));
        start = nl + 1;
        lineEnd = restAt + start;
      }
      restAt += start;
      // Copied: `chunk` is reused by the next read.
      rest = Buffer.from(data.subarray(start));
      if (rest.length > MAX_LINE) {
        // Garbage without newlines (not a log of ours): skipped, never held whole.
        if (!discarding) skipped++;
        discarding = true;
        restAt += rest.length;
        rest = Buffer.alloc(0);
      }
    }
  } finally {
    await handle.close();
  }
  const size = restAt + rest.length;
  if (size === lineEnd) return { skipped, records, tornAt: undefined };
  // A torn last record from a crash mid-write: cut it off at the last complete line.
  return { skipped: discarding ? skipped : skipped + 1, records, tornAt: lineEnd };
}
