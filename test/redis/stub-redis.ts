// An in-memory stand-in for the few Redis behaviours the scripts rely on,
// selected by script sha, with faults the tests switch on: no answer, an
// error, a dropped connection, or "ran on the server but the answer was lost".
import type { Clock } from '../../src/clock/clock.js';
import { BREAKER_CLOSE, BREAKER_OPEN, BREAKER_PROBE, BREAKER_READ, BREAKER_RELEASE, BUDGET_APPLY, BUDGET_GET } from '../../src/redis/scripts.js';
import { PATIENCE_SHARE } from '../../src/redis/patience-share.js';
import { BUCKET_ADMIT } from '../../src/redis/bucket-script.js';
import { bucketAdmit } from './stub-buckets.js';
import type { RedisLike } from '../../src/redis/types.js';

export type Fault = 'none' | 'hang' | 'error' | 'down' | 'lost-reply';

export class StubRedis implements RedisLike {
  readonly hashes = new Map<string, Map<string, number>>();
  readonly strings = new Map<string, { value: string; expiresAt: number }>();
  readonly ttls = new Map<string, number>();
  /** Hashes of text values (the shared patience). */
  readonly texts = new Map<string, Map<string, string>>();
  fault: Fault = 'none';
  calls = 0;
  evals = 0;
  /**
   * Commands a fault left without an answer, as the Redis client keeps them: one that
   * hung never ran, one whose reply was lost ran once. {@link resend} runs each again,
   * as ioredis does with unanswered commands after it reconnects.
   */
  readonly unanswered: (() => unknown)[] = [];
  /** Script shas the "server" knows; cleared to simulate a restart (NOSCRIPT). */
  readonly loaded = new Set<string>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get status(): string {
    return this.fault === 'down' ? 'reconnecting' : 'ready';
  }

  async evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    this.calls++;
    const run = () => this.#run(sha, args.slice(0, numKeys).map(String), args.slice(numKeys).map(String));
    if (this.fault === 'hang') {
      this.unanswered.push(run);
      return new Promise(() => {});
    }
    if (this.fault === 'error') throw new Error('connect ECONNREFUSED redis://admin:s3cret-pass@10.0.0.5:6379');
    if (!this.loaded.has(sha)) throw Object.assign(new Error('NOSCRIPT No matching script. Please use EVAL.'), { name: 'ReplyError' });
    const result = run();
    if (this.fault === 'lost-reply') {
      this.unanswered.push(run);
      return new Promise(() => {});
    }
    return result;
  }

  /** Runs every unanswered command once more (their answers go nowhere: the caller gave up on them). */
  resend(): void {
    for (const command of this.unanswered.splice(0)) command();
  }

  async eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    this.evals++;
    const s = [BUDGET_APPLY, BUDGET_GET, BREAKER_OPEN, BREAKER_CLOSE, BREAKER_READ, BREAKER_PROBE, BREAKER_RELEASE, PATIENCE_SHARE, BUCKET_ADMIT].find((x) => x.lua === script)!;
    this.loaded.add(s.sha);
    return this.evalsha(s.sha, numKeys, ...args);
  }

  hash(key: string): Map<string, number> {
    let h = this.hashes.get(key);
    if (!h) this.hashes.set(key, (h = new Map()));
    return h;
  }

  #get(key: string): string | undefined {
    const s = this.strings.get(key);
    if (s && s.expiresAt <= this.#clock.now()) this.strings.delete(key);
    return this.strings.get(key)?.value;
  }

  #run(sha: string, keys: string[], argv: string[]): unknown {
    const now = this.#clock.now();
    if (sha === BUDGET_GET.sha) {
      const h = this.hash(keys[0]!);
      return ['ut', 'uc', 'rt', 'rc'].map((f) => h.get(f) ?? 0);
    }
    if (sha === BUDGET_APPLY.sha) return this.#apply(keys[0]!, argv);
    if (sha === PATIENCE_SHARE.sha) return this.#patience(keys[0]!, argv);
    if (sha === BUCKET_ADMIT.sha) return bucketAdmit(this.hash(keys[0]!), argv);
    const [open, probe] = keys as [string, string];
    if (sha === BREAKER_READ.sha) return this.#get(open) ?? null;
    if (sha === BREAKER_OPEN.sha) {
      if (Number(this.#get(open) ?? 0) < Number(argv[0])) this.strings.set(open, { value: argv[0]!, expiresAt: now + Number(argv[1]) });
      if (this.#get(probe) === argv[2]) this.strings.delete(probe);
      return 1;
    }
    if (sha === BREAKER_CLOSE.sha) {
      this.strings.delete(open);
      this.strings.delete(probe);
      return 1;
    }
    if (sha === BREAKER_RELEASE.sha) {
      if (this.#get(open) === argv[0]) this.strings.delete(open); // KEYS[1] is the probe lease here
      return 1;
    }
    if (sha === BREAKER_PROBE.sha) {
      if (this.#get(open) !== undefined) return 0;
      this.strings.set(open, { value: argv[0]!, expiresAt: now + Number(argv[1]) });
      return 1;
    }
    throw new Error(`unknown script ${sha}`);
  }

  /** PATIENCE_SHARE, line for line (the TTL recorded, not enforced). */
  #patience(key: string, [ttl, elapsed, at, id, seq]: string[]): unknown {
    let h = this.texts.get(key);
    if (!h) this.texts.set(key, (h = new Map()));
    let n = 0;
    if (elapsed !== '') {
      const mark = h.get(`s:${id}`);
      const top = Number(h.get('t') ?? -1);
      const cut = Math.max(top, Number(seq)) - Number(ttl) * 1000;
      if (Number(seq) <= Number(mark ?? -1) || Number(seq) < cut) return [-1];
      if (mark === undefined) for (const [f, v] of [...h]) if (f.startsWith('s:') && Number(v) < cut) h.delete(f);
      n = Number(h.get('n') ?? 0) + 1;
      h.set('n', String(n));
      h.set(`e${n % 32}`, `${elapsed}:${at}:${n}:${id}`);
      h.set(`s:${id}`, seq!);
      h.set('t', Number(seq) > top ? seq! : h.get('t')!);
      this.ttls.set(key, Number(ttl));
    }
    return [n, Array.from({ length: 32 }, (_, i) => h.get(`e${i}`) ?? null)];
  }

  /** BUDGET_APPLY, line for line. */
  #apply(key: string, a: string[]): unknown {
    const h = this.hash(key);
    const [ttl, client, seq, mode, limT, limC] = a as [string, string, string, string, string, string];
    let [drt, drc, dut, duc] = a.slice(6, 10).map(Number) as [number, number, number, number];
    const hw = h.get(`s:${client}`) ?? 0;
    const refused = h.get(`d:${client}`) ?? -1;
    const consumed = h.get(`c:${client}`) ?? 0;
    for (let i = 10; i < a.length; i += 5) {
      const s = Number(a[i]);
      if (s >= consumed && s <= hw && s !== refused) {
        drt -= Number(a[i + 1]);
        drc -= Number(a[i + 2]);
        dut -= Number(a[i + 3]);
        duc -= Number(a[i + 4]);
      }
    }
    const [ut, uc, rt, rc] = ['ut', 'uc', 'rt', 'rc'].map((f) => h.get(f) ?? 0) as [number, number, number, number];
    if (Number(seq) <= hw) return [-1, ut, uc, rt, rc];
    this.ttls.set(key, Number(ttl));
    if (mode === 'r' && ((limT !== '' && ut + rt + drt > Number(limT)) || (limC !== '' && uc + rc + drc > Number(limC)))) {
      h.set(`s:${client}`, Number(seq));
      h.set(`d:${client}`, Number(seq));
      return [0, ut, uc, rt, rc];
    }
    const next = [Math.max(0, ut + dut), Math.max(0, uc + duc), Math.max(0, rt + drt), Math.max(0, rc + drc)] as const;
    for (const [i, f] of ['ut', 'uc', 'rt', 'rc'].entries()) h.set(f, next[i]!);
    h.set(`s:${client}`, Number(seq));
    if (mode === 'c') h.set(`c:${client}`, Number(seq));
    return [1, ...next];
  }
}
