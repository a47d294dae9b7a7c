/*
 * The callers' patience, learned from their aborts (decision 0049). A call that states no
 * deadline but carries a `signal` is aborted by its caller at the caller's patience: over
 * capacity, when many calls are aborted after about the same time, that time is the calls'
 * deadline in all but name. Once learned, admission treats it as the deadline of calls that
 * state none (earliest deadline first, a wait bounded by it less the model's p95 latency, a
 * call that cannot make it refused at once), so they are not left waiting until they are
 * aborted. The abort itself stays the caller's: it is only observed here. Where the client's own
 * default bounds refuse calls before any caller gives up, a few of them are held to be aborted
 * (decision 0060).
 */

/** How many recent aborts are kept (bounded memory: two numbers each). */
export const PATIENCE_KEPT = 32;
/** Aborts needed within {@link PATIENCE_WINDOW_MS} before a figure is used: a few cancels by hand are not a patience. */
export const PATIENCE_MIN_ABORTS = 5;
/** Aborts older than this are forgotten: when callers stop aborting, the figure goes with them. */
export const PATIENCE_WINDOW_MS = 10 * 60_000;
/**
 * The figure is the recent aborts' low quantile (their 10th percentile): a caller's deadline is
 * not earlier than it was for most of them. It is used only when it is at least this part of
 * their median — aborts at about one time, as a timeout gives, not cancels spread over time.
 */
export const PATIENCE_CONSISTENT = 0.9;
const LOW_QUANTILE = 0.1;
/**
 * While no figure is known, at most this many calls at once that the default bounds refuse are
 * held until their callers abort them (decision 0060): twice the aborts a figure needs, each a
 * call refused anyway, never sent.
 */
export const PATIENCE_EXPLORERS = 2 * PATIENCE_MIN_ABORTS;
/** The longest such a call is held (its caller's abort ends it sooner); then it is refused as it would have been. */
export const PATIENCE_EXPLORE_MS = 5 * 60_000;

/**
 * Where processes that share their limits share their callers' aborts too (decision 0066): each
 * abort is published, and the others' come back through {@link Patience.heard}. Never throws,
 * never holds a call: when the store fails, the figure is this process's own.
 */
export interface PatienceShare {
  /** This process's caller aborted a call `elapsed` ms after it started, at clock time `at`. */
  publish(elapsed: number, at: number, into: Patience): void;
  /** Reads the others' recent aborts into `into` (at most once a second; a no-op otherwise). */
  pull(now: number, into: Patience): void;
}

/** The share of each of our limiters whose state is shared (set by their factories, read once by the client). */
export const PATIENCE_SHARES = new WeakMap<object, PatienceShare>();

/** Per client: the recent aborts of calls that stated no deadline, and the figure they give. */
export class Patience {
  /** Elapsed ms from each call's start to its caller's abort, and the clock time of the abort (a ring). */
  readonly #ms = new Float64Array(PATIENCE_KEPT);
  readonly #at = new Float64Array(PATIENCE_KEPT);
  #size = 0;
  #next = 0;
  /** The figure in use (undefined: none) and the clock time it lapses (its evidence ages out). */
  #figure: number | undefined;
  #until = -Infinity;
  /** Past this elapsed time a call not aborted shows callers more patient than learned. */
  #outlivedAfter = Infinity;
  /** Calls held now to show their callers' patience; never more than {@link PATIENCE_EXPLORERS}. */
  #exploring = 0;
  /** Whether calls may be held at all: the limiter is ours and its `maxWaitMs` the library's default. */
  readonly #explores: boolean;
  readonly #share: PatienceShare | undefined;

  constructor(explores = false, share?: PatienceShare) {
    this.#explores = explores;
    this.#share = share;
  }

  /**
   * A call the default bounds refuse asks to be held instead, so that its caller's abort shows how
   * long callers wait: true when it may (no figure yet and a free place); it then gives the place
   * back through {@link explored}.
   */
  explore(now: number): boolean {
    this.#share?.pull(now, this);
    if (!this.#explores || this.#exploring >= PATIENCE_EXPLORERS || this.ms(now) !== undefined) return false;
    this.#exploring++;
    return true;
  }

  /** A call {@link explore} let be held was aborted, stopped, or refused at the end of its hold. */
  explored(): void {
    this.#exploring--;
  }

  /** A call that stated no deadline was aborted by its caller `elapsed` ms after it started. */
  aborted(elapsed: number, now: number): void {
    if (!(elapsed > 0)) return; // aborted before it started: no patience shown
    this.#keep(elapsed, now);
    this.#share?.publish(elapsed, now, this);
    this.#learn(now);
  }

  /** Aborts seen by the other processes sharing this client's limits: `[elapsed, at]` each, as from {@link aborted}. */
  heard(aborts: readonly (readonly [number, number])[], now: number): void {
    for (const [elapsed, at] of aborts) if (elapsed > 0) this.#keep(elapsed, at);
    if (aborts.length > 0) this.#learn(now);
  }

  #keep(elapsed: number, at: number): void {
    this.#ms[this.#next] = elapsed;
    this.#at[this.#next] = at;
    this.#next = (this.#next + 1) % PATIENCE_KEPT;
    if (this.#size < PATIENCE_KEPT) this.#size++;
  }

  /**
   * A call with a signal that stated no deadline settled `elapsed` ms after it started without
   * its caller aborting. Well past the figure's aborts, callers wait longer now: forgotten.
   */
  settled(elapsed: number): void {
    if (elapsed <= this.#outlivedAfter) return;
    this.#size = 0;
    this.#figure = undefined;
    this.#outlivedAfter = Infinity;
  }

  /** The learned patience, ms, when there is one now (the deadline of a call that states none). */
  ms(now: number): number | undefined {
    this.#share?.pull(now, this);
    if (this.#figure === undefined) return undefined;
    if (now >= this.#until) this.#learn(now);
    return this.#figure;
  }

  /** Whether a figure may be in use (read before the clock, to spare a call that reads nothing). */
  get known(): boolean {
    return this.#figure !== undefined;
  }

  #learn(now: number): void {
    const since = now - PATIENCE_WINDOW_MS;
    let inWindow = 0;
    let latest = -Infinity;
    for (let i = 0; i < this.#size; i++) {
      const at = this.#at[i]!;
      if (at > since) inWindow++;
      latest = Math.max(latest, at);
    }
    // Learned from enough recent aborts; kept while callers still abort (the latest within the window).
    const kept = this.#figure !== undefined;
    this.#figure = undefined;
    this.#outlivedAfter = Infinity;
    if (inWindow < (kept ? 1 : PATIENCE_MIN_ABORTS)) return;
    // Once learned, every kept abort counts (refused at once, fewer calls live to be aborted).
    const recent: number[] = [];
    for (let i = 0; i < this.#size; i++) if (kept || this.#at[i]! > since) recent.push(this.#ms[i]!);
    recent.sort((a, b) => a - b);
    const low = recent[Math.floor(LOW_QUANTILE * (recent.length - 1))]!;
    const median = recent[Math.floor((recent.length - 1) / 2)]!;
    if (low < PATIENCE_CONSISTENT * median) return;
    this.#figure = low;
    this.#outlivedAfter = median / PATIENCE_CONSISTENT;
    this.#until = latest + PATIENCE_WINDOW_MS;
  }
}
