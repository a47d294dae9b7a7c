// BUCKET_ADMIT as the stub Redis runs it: the parts the once-only tests need — the per-client
// guard (s:<client> marks, refusal by age, pruning of silent clients), and per dimension the
// first reading, refill, a reading folded in, give-backs and refunds added, the take. No turns
// filed, no burst, no reserve: the real script runs on a real Redis in test/integration/redis.
import { ARGS_PER_DIM, BUCKET_DIMS, HEAD_ARGS } from '../../src/redis/bucket-script.js';

export function bucketAdmit(h: Map<string, number>, a: string[]): unknown[] {
  const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number(s));
  const now = Number(a[0]);
  const ttl = Number(a[1]);
  const maxWait = Number(a[2]);
  const client = a[HEAD_ARGS - 2];
  const seq = num(a[HEAD_ARGS - 1]);
  const sec = Math.floor(now / 1000);
  const qs = h.get('qs');
  if (client && seq !== undefined) {
    // The once-only guard, for a command that carries its store's id and sequence.
    const sf = `s:${client}`;
    const hw = h.get(sf);
    if (seq <= (hw ?? -1) || (qs !== undefined && seq < (qs * 1000 - ttl) * 1000)) return [-1];
    if (hw === undefined) {
      const old = (Math.max(qs ?? sec, sec) * 1000 - ttl) * 1000;
      for (const [f, v] of h) if (f.startsWith('s:') && v < old) h.delete(f);
    }
    h.set(sf, seq);
  }
  h.set('qs', Math.max(qs ?? sec, sec));
  const dims = BUCKET_DIMS.map((_, i) => {
    const arg = (j: number) => a[HEAD_ARGS + i * ARGS_PER_DIM + j];
    const p = String(i + 1);
    const [rem, lim, at] = [num(arg(2)), num(arg(3)), num(arg(4))];
    let c = h.get(`${p}c`);
    if (lim !== undefined && lim > 0 && rem !== undefined) c = Math.max(lim, rem);
    if (c === undefined) return undefined;
    const rate = c / 60_000;
    let l = h.get(`${p}l`) ?? c;
    let t = h.get(`${p}t`) ?? now;
    if (now > t) [l, t] = [l + (now - t) * rate, now];
    l = Math.min(l, c);
    if (rem !== undefined && at !== undefined) l = Math.min(l, rem + Math.max(0, now - at) * rate);
    const back = (num(arg(5)) ?? 0) + (num(arg(6)) ?? 0);
    if (back !== 0) l = Math.min(c, l + back);
    return { p, c, l, t, take: num(arg(0)) ?? 0, need: Math.min(c, num(arg(1)) ?? 0) };
  });
  let wait = 0;
  let wdim = 0;
  dims.forEach((d, i) => {
    const ms = d ? Math.max(0, Math.ceil((d.need - d.l) / (d.c / 60_000))) : 0;
    if (ms > wait) [wait, wdim] = [ms, i + 1];
  });
  const taken = maxWait >= 0 && wait <= maxWait ? 1 : 0;
  const out: unknown[] = [taken, wait, wdim, '1.000000'];
  for (const d of dims) {
    if (!d) {
      out.push('', '');
      continue;
    }
    if (taken) d.l -= Math.min(d.c, d.take);
    h.set(`${d.p}l`, d.l);
    h.set(`${d.p}t`, d.t);
    h.set(`${d.p}c`, d.c);
    out.push(d.l.toFixed(6), d.c.toFixed(6));
  }
  return out;
}
