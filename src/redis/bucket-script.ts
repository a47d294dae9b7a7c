import { script } from './health.js';

/** The dimensions of a shared model bucket, in the order the script's arguments and reply list them. */
export const BUCKET_DIMS = ['requests', 'tokens', 'inputTokens', 'outputTokens'] as const;
export type BucketDim = (typeof BUCKET_DIMS)[number];
/** Arguments per dimension in {@link BUCKET_ADMIT}. */
export const ARGS_PER_DIM = 8;
/** Arguments before the first dimension's in {@link BUCKET_ADMIT}. */
export const HEAD_ARGS = 12;
/** Smallest share of the limit kept as the shared burst after 429s the headers did not explain. */
export const MIN_BURST = 1 / 16;
/** Unexplained 429s within this long of the last cut come from the same burst: one cut for all. */
export const CUT_GUARD_MS = 1_000;
/**
 * Share of the limit a call that could go elsewhere may take as a burst: the part of a window of
 * 10 s (limit × 10 s / 60 s), the shortest window the providers' headers leave unsaid in practice.
 */
export const SPILL_BURST = 10 / 60;
/** A call with nowhere else to go waits this long at most before it takes from the rest of the burst. */
export const RESERVE_AFTER_MS = 10_000;
/**
 * Fields of a model's hash besides its filed seconds, about: after more seconds than the filed ones plus
 * these have gone by, reading the hash's field names is cheaper than looking up every second.
 */
const KEYS_OVER = 32;

/**
 * Shared header-driven buckets: one admission, fed by every process's headers,
 * in one atomic round trip on one hash per model. Token buckets, one per
 * dimension, refilled continuously at limit / 60 000 per ms (as OpenAI and
 * Anthropic refill) up to a capacity of limit × the shared burst share. Time is
 * the caller's clock (`now`), so a simulated clock drives it; a caller whose
 * clock is behind never refills the bucket backwards.
 *
 * The burst share starts at 1. A provider may also enforce its limit over windows
 * shorter than the minute its headers describe (limit × window / 60 s each), which
 * shows only as a 429 whose own headers still had room. A process reporting such a
 * 429 (`cutAt`) shrinks the share for every process: to half, or to the share of the
 * limit its headers showed used if less (from full, the hidden window and the minute
 * drain alike until the hidden one is empty), not below {@link MIN_BURST}; and it
 * empties the bucket of the dimension it names (`cutDim`, the one its headers showed
 * the most used; the others' windows need not be empty, and emptying them would only
 * queue calls). Reports within {@link CUT_GUARD_MS} of the last cut are the same burst.
 * The share does not grow back while the hash lives: each step up would cost another
 * 429 to learn again. Being a share, it scales with a higher limit, and a model idle
 * until the hash expires starts again from the whole limit.
 *
 * KEYS[1] the model's hash (fields `<dim>l` level, `<dim>t` time of level, `<dim>c` limit,
 *   `<dim>u` units taken while no limit was known yet: the first reading may not count
 *   them, so they are taken from it; `<dim>r` time of the newest reading that lowered the
 *   level; `<dim>f` the latest time an admission found the level at its top; `<dim>q` units taken for calls still waiting for their turn; `<dim>g` set once a
 *   call's units were partly refunded; `r<second>` the units, per dimension, of the calls
 *   whose turn is due in that second (clock seconds, rounded up); `qs` the last second whose
 *   turns were counted as come, `qm` the latest second with turns filed, `qn` how many seconds are
 *   filed (an admission after an idle spell reads the filed seconds, not every second since `qs`); `bf` burst share,
 *   `bc` time of the last cut).
 *
 * Waiting calls. A call taken with a wait is not sent until its turn, so the provider does not
 * count it yet, and the provider's bucket holds at most its capacity beside it: while it waits,
 * refill beyond (capacity − the units of the calls still waiting) is lost at the provider. The
 * level is kept at most that, so those units are not counted as room twice. A dimension whose
 * calls are partly refunded when they end (output held at `max_tokens`) is not bounded so: its
 * waiting calls count more than they will use. A turn counts as come at its second's end. A reading
 * is folded in less the units of the calls still waiting (the provider has not counted them); on a
 * refunded dimension, less the calls waiting for the short window's part of the burst, as before.
 * Output of calls waiting for their turn, once refunded: a caller that sends `outputPart` gets its
 * turn as if those calls wrote that part of their cap, except the ones due within `ahead` seconds
 * (still writing at its turn); what is taken and filed is still the whole cap.
 * ARGV: now, ttlMs, maxWaitMs (take only when the call's wait is at most this;
 *   -1 = never take: a look), cutAt (clock time of an unexplained 429 this process saw;
 *   '' when none), cutDim (the dimension to empty, 1-based; 0 = none), cutTo (the share
 *   of its limit the 429's headers showed used; '' when unknown), keep ('1': the call has somewhere else to go, so it
 *   takes only from the first {@link SPILL_BURST} of the burst and leaves the rest to calls
 *   that have not; '0' or '' otherwise), burstAtMost, outputPart (the part of their cap the
 *   caller's recent answers wrote; '' when none), ahead (seconds: the caller's latency), client (the store's
 *   id), seq (above every seq this client sent before: a thousand per ms of its clock at least), then per dimension in
 *   {@link BUCKET_DIMS} order eight
 *   values: take (units this call takes), need (units that must be there: take plus
 *   a reserve), remaining, limit, observedAt (a header reading to fold in: the
 *   provider's remaining, a latency ago; '' when none), giveBack (units of calls
 *   that were never sent), refund (units the provider gave back when a call ended:
 *   output it reserved but did not write, input an estimate counted beyond the real
 *   one), refundAt (the earliest clock time among those calls' ends).
 * Folding a reading: the level becomes the lower of the bucket's and the
 * reading's remaining plus its refill since it was read (the provider cannot
 * know of calls admitted since; a lower reading means use the buckets did not see).
 * A reading that lowers the level already holds every refund made before it: a refund
 * that ended before the newest such reading is not added again (a give-back riding on
 * a process's next admission can reach the bucket long after other processes' readings
 * counted it). Nor is a refund made before the latest time an admission found the level at
 * its top: the provider's bucket was full then too (it holds that refund besides), and a refund into
 * a full bucket is lost (decision 0073).
 * Once only. A command whose seq is not above `s:<client>` (the seq of that client's last command run
 * here), or older than the hash's idle expiry (seq below (qs s − ttlMs) × 1000), changes nothing and
 * returns {-1}: ioredis sends a command again after a reconnect, one that ran and lost only its answer
 * too, and its give-backs and refunds, added twice, would be room the provider does not have. A client
 * new to the hash first deletes the marks of clients silent for longer than that expiry (so the hash
 * holds the marks of the clients of the last ten minutes, and a command older than a deleted mark is
 * refused by its age).
 * Returns {taken, waitMs, dim (1-based, 0 = none), burst share (as text), then per
 * dimension: level after the call (as text; '' when the dimension is unknown), limit}.
 */
export const BUCKET_ADMIT = script(`
local k = KEYS[1]
local now, ttl, maxWait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cutAt, cutDim, cutTo = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local keep = ARGV[7] == '1'
local most = tonumber(ARGV[8])
local part, ahead = tonumber(ARGV[9]), tonumber(ARGV[10]) or 0
local f = function (x) return string.format('%.6f', x) end
local n = ${BUCKET_DIMS.length}
local L, C, T, K, N, F, R, G, FA = {}, {}, {}, {}, {}, {}, {}, {}, {}
local wait, wdim = 0, 0
local bv = redis.call('HMGET', k, 'bf', 'bc')
local bf, bc = tonumber(bv[1]) or 1, tonumber(bv[2])
local cut = cutAt ~= nil and (bc == nil or cutAt >= bc + ${CUT_GUARD_MS})
if cut then bf, bc = math.max(${MIN_BURST}, math.min(bf / 2, cutTo or 1)), cutAt end
-- Another model of the caller's met a window its headers did not show: it is most likely the account's.
if most ~= nil then most = math.max(most, ${SPILL_BURST}) end
local capped = most ~= nil and most < bf
if capped then bf = most end
-- Units taken for calls still waiting for their turn, filed by the second they are due (rounded up):
-- the provider has not counted them yet, and holds no more than its capacity beside them.
local sf, seq = 's:' .. ARGV[11], tonumber(ARGV[12])
local qv = redis.call('HMGET', k, 'qs', 'qm', 'qn', '1q', '2q', '3q', '4q', sf)
local qs, qm, qn, sec = tonumber(qv[1]), tonumber(qv[2]), tonumber(qv[3]) or 0, math.floor(now / 1000)
-- Run once: a command sent again after a reconnect (or arriving after a later one) changes nothing.
if seq <= (tonumber(qv[8]) or -1) or (qs ~= nil and seq < (qs * 1000 - ttl) * 1000) then return {-1} end
if qv[8] == false then
  -- A client new here: the marks of clients silent here for longer than the idle expiry go.
  local h, old = redis.call('HGETALL', k), (math.max(qs or sec, sec) * 1000 - ttl) * 1000
  for i = 1, #h, 2 do
    if string.sub(h[i], 1, 2) == 's:' and tonumber(h[i + 1]) < old then redis.call('HDEL', k, h[i]) end
  end
end
local Q, qdirty = {}, false
for d = 1, n do Q[d] = tonumber(qv[3 + d]) or 0 end
if qm ~= nil and qs ~= nil and sec > qs then
  -- Turns due since the last admission have come: their calls are sent (or given back) by now.
  local hi, due = math.min(sec, qm), {}
  if hi - qs > qn + ${KEYS_OVER} then
    -- Fewer filed seconds than seconds gone by (an idle spell): read the filed ones rather than every second.
    for _, key in ipairs(redis.call('HKEYS', k)) do
      local s = tonumber(string.match(key, '^r(%d+)$'))
      if s and s > qs and s <= hi then due[#due + 1] = s end
    end
    table.sort(due)
  else
    for s = qs + 1, hi do due[#due + 1] = s end
  end
  for _, s in ipairs(due) do
    local units = redis.call('HGET', k, 'r' .. s)
    if units then
      local d = 0
      for u in string.gmatch(units, '%S+') do d = d + 1; Q[d] = math.max(0, Q[d] - tonumber(u)) end
      redis.call('HDEL', k, 'r' .. s)
      qn, qdirty = math.max(0, qn - 1), true
    end
  end
  if sec >= qm then
    for d = 1, n do Q[d] = 0 end
    qm, qdirty = nil, true
    redis.call('HDEL', k, 'qm')
  end
end
redis.call('HSET', k, 'qs', math.max(qs or sec, sec), sf, ARGV[12])
for d = 1, n do
  local a = ${HEAD_ARGS} + (d - 1) * ${ARGS_PER_DIM}
  local p = tostring(d)
  local v = redis.call('HMGET', k, p .. 'l', p .. 't', p .. 'c', p .. 'u', p .. 'r', p .. 'g', p .. 'f')
  local l, t, c, r, fa = tonumber(v[1]), tonumber(v[2]), tonumber(v[3]), tonumber(v[5]), tonumber(v[7])
  local rem, lim, at = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5])
  if lim and lim > 0 and rem then
    c = math.max(lim, rem)
  end
  if c then
    local rate, cap = c / 60000, math.max(1, c * bf)
    -- The first part of the burst: a short window's share of the limit.
    local first = math.min(cap, math.max(1, c * ${SPILL_BURST}))
    if l == nil then
      -- The first reading: calls admitted before any limit was known may not be in it yet.
      l, t = cap - (tonumber(v[4]) or 0), now
      redis.call('HDEL', k, p .. 'u')
    end
    -- The provider holds at most its capacity: with Q[d] units taken for waiting calls not sent yet,
    -- refill beyond capacity less them is lost there and must not count here. Not for a dimension the
    -- provider gives back part of when calls end (output held at max_tokens): its waiting calls
    -- count more than they will use.
    local top = cap
    if v[6] == false then top = cap - Q[d] end
    if now > t then l = l + (now - t) * rate; t = now end
    l = math.min(l, top)
    if lim and lim > 0 and rem and at then
      -- Calls waiting for the short window's part of the burst are taken but not sent: the
      -- provider's remaining does not count them yet.
      local queued = math.max(0, math.min(cap - first - l, ${RESERVE_AFTER_MS} * rate))
      -- Those units are known exactly on a dimension whose waiting calls bound the level: the calls still
      -- waiting for their turn (not sent, so not in the reading).
      if v[6] == false then queued = Q[d] end
      local seen = rem + math.max(0, now - at) * rate - queued
      -- A reading that lowers the level counts every refund the provider made before it.
      if seen < l then l = seen; if r == nil or at > r then r = at end end
    end
    -- At its top now: a refund made before now had no room at the provider either (a full bucket loses it).
    if l >= top and (fa == nil or now > fa) then fa = now end
    -- The provider is empty in a window its headers do not show.
    if cut and cutDim == d then l = math.min(l, 0) end
    local back = tonumber(ARGV[a + 6]) or 0
    -- Units the provider refunded at refundAt: already in the level if a reading taken later lowered it.
    local refund, refundAt = tonumber(ARGV[a + 7]) or 0, tonumber(ARGV[a + 8])
    if refund > 0 and v[6] == false then redis.call('HSET', k, p .. 'g', 1) end
    G[d] = refund > 0 or v[6] ~= false
    if refund > 0 and (r == nil or refundAt == nil or refundAt >= r) and (fa == nil or refundAt == nil or refundAt >= fa) then back = back + refund end
    if back ~= 0 then l = math.min(top, l + back) end
    N[d] = math.min(cap, tonumber(ARGV[a + 2]) or 0)
    L[d], C[d], T[d], K[d], F[d], R[d], FA[d] = l, c, t, cap, first, r, fa
  end
end
-- A call whose weight leaves a limited dimension uncounted cannot keep to a share of it.
local blind = false
for d = 1, n do
  if C[d] and (tonumber(ARGV[${HEAD_ARGS} + (d - 1) * ${ARGS_PER_DIM} + 1]) or 0) <= 0 then blind = true end
end
-- The units of calls whose turns are due within 'ahead' s: their answers are not written yet at this call's turn.
local near, credit = {}, false
local out = ${BUCKET_DIMS.indexOf('outputTokens') + 1}
for d = 1, n do near[d] = 0 end
if part ~= nil and part < 1 and C[out] and G[out] and Q[out] > 0 then credit = true end
if credit then
  for s = sec, math.min(sec + ahead, qm or sec) do
    local units = redis.call('HGET', k, 'r' .. s)
    if units then
      local d = 0
      for u in string.gmatch(units, '%S+') do d = d + 1; near[d] = near[d] + tonumber(u) end
    end
  end
end
for d = 1, n do
  if C[d] then
    local rate, l, need = C[d] / 60000, L[d], N[d]
    -- Calls waiting before this one give back what their answers will not write before its turn comes.
    if credit and d == out then l = math.min(K[d], l + (1 - part) * math.max(0, Q[d] - near[d])) end
    -- The burst beyond a short window's part: a call that can go elsewhere leaves it alone, and
    -- one that cannot takes from it only once it would wait long for the short window's part.
    local reserve = 0
    if not blind then reserve = K[d] - F[d] end
    local ms = math.max(0, math.ceil((need + reserve - l) / rate))
    if not keep and ms > ${RESERVE_AFTER_MS} then ms = math.max(0, math.ceil((need - l) / rate)) end
    if ms > wait then wait, wdim = ms, d end
  end
end
local taken = 0
if maxWait >= 0 and wait <= maxWait then taken = 1 end
local out = {taken, wait, wdim, f(bf)}
if taken == 1 and wait > 0 then
  -- The call waits for its turn: its units are filed under the second its turn is due.
  local due, units, prev = math.ceil((now + wait) / 1000), {}, {}
  local filed = redis.call('HGET', k, 'r' .. due)
  if filed then for u in string.gmatch(filed, '%S+') do prev[#prev + 1] = tonumber(u) end end
  for d = 1, n do
    local u = 0
    if C[d] then u = math.min(K[d], tonumber(ARGV[${HEAD_ARGS} + (d - 1) * ${ARGS_PER_DIM} + 1]) or 0) end
    Q[d] = Q[d] + u
    units[d] = f((prev[d] or 0) + u)
  end
  qdirty = true
  if not filed then qn = qn + 1 end
  if qm == nil or due > qm then redis.call('HSET', k, 'r' .. due, table.concat(units, ' '), 'qm', due)
  else redis.call('HSET', k, 'r' .. due, table.concat(units, ' ')) end
end
if qdirty then
  local set, del = {'qn', qn}, {}
  for d = 1, n do
    if Q[d] > 0 then set[#set + 1] = d .. 'q'; set[#set + 1] = f(Q[d]) else del[#del + 1] = d .. 'q' end
  end
  if #set > 0 then redis.call('HSET', k, unpack(set)) end
  if #del > 0 then redis.call('HDEL', k, unpack(del)) end
end
if cut then redis.call('HSET', k, 'bf', f(bf), 'bc', f(bc)) elseif capped then redis.call('HSET', k, 'bf', f(bf)) end
for d = 1, n do
  if C[d] then
    local p = tostring(d)
    local a = ${HEAD_ARGS} + (d - 1) * ${ARGS_PER_DIM}
    if taken == 1 then L[d] = L[d] - math.min(K[d], tonumber(ARGV[a + 1]) or 0) end
    local set = {p .. 'l', f(L[d]), p .. 't', f(T[d]), p .. 'c', f(C[d])}
    if R[d] then set[7] = p .. 'r'; set[8] = f(R[d]) end
    if FA[d] then set[#set + 1] = p .. 'f'; set[#set + 1] = f(FA[d]) end
    redis.call('HSET', k, unpack(set))
    out[#out + 1] = f(L[d])
    out[#out + 1] = f(C[d])
  else
    local take = tonumber(ARGV[${HEAD_ARGS} + (d - 1) * ${ARGS_PER_DIM} + 1]) or 0
    if taken == 1 and take > 0 then redis.call('HINCRBYFLOAT', k, tostring(d) .. 'u', take) end
    out[#out + 1] = ''
    out[#out + 1] = ''
  end
end
redis.call('PEXPIRE', k, ttl)
return out
`);
