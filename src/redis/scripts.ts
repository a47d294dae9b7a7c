import { script } from './health.js';

/*
 * The Lua scripts, each one atomic round trip on one key (two for the
 * breaker, both derived from the model, so a cluster needs them in one slot
 * only if you use hash tags in the prefix). Contracts are in docs/distributed.md.
 *
 * Numbers are written with '%.0f': integers stay exact up to 2^53, and no
 * exponent form ever reaches a hash field.
 */

/**
 * Budget: apply a delta to one scope key, optionally only if it fits a limit.
 * KEYS[1] the scope hash (fields ut, uc = used tokens / nano-USD; rt, rc = reserved;
 *   s:<client> = seq of that client's last op applied here; d:<client> = seq of its last
 *   refused reserve; c:<client> = seq of its last reconciliation applied here).
 * ARGV: ttlMs (0 = keep), client, seq, mode ('r' = reserve: refuse if over the limit,
 *   'a' = apply, 'c' = reconcile), limitTokens ('' = none), limitNanos, dReservedTokens,
 *   dReservedNanos, dUsedTokens, dUsedNanos, then groups of five (seq, rt, rc, ut, uc):
 *   deltas of this client's unanswered ops, taken back when that op did land
 *   (c:<client> <= seq <= s:<client>, not refused) since the local state holds them too.
 * An op whose seq is not above s:<client> is stale and changes nothing (ok = -1): a later op
 *   of this client already ran and judged it (a command the Redis client sent again after a
 *   reconnect, or one that arrived late), so applying it would count it twice.
 * Returns {ok, ut, uc, rt, rc} after the operation. Reserved and used never go below 0.
 */
export const BUDGET_APPLY = script(`
local k = KEYS[1]
local ttl = tonumber(ARGV[1])
local sf, df = 's:' .. ARGV[2], 'd:' .. ARGV[2]
local seq = ARGV[3]
local cf = 'c:' .. ARGV[2]
local v = redis.call('HMGET', k, 'ut', 'uc', 'rt', 'rc', sf, df, cf)
local ut, uc, rt, rc = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, tonumber(v[4]) or 0
local hw, refused, consumed = tonumber(v[5]) or 0, tonumber(v[6]) or -1, tonumber(v[7]) or 0
if tonumber(seq) <= hw then return {-1, ut, uc, rt, rc} end
local drt, drc, dut, duc = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
for i = 11, #ARGV, 5 do
  local s = tonumber(ARGV[i])
  if s >= consumed and s <= hw and s ~= refused then
    drt = drt - tonumber(ARGV[i + 1]); drc = drc - tonumber(ARGV[i + 2])
    dut = dut - tonumber(ARGV[i + 3]); duc = duc - tonumber(ARGV[i + 4])
  end
end
local f = function (x) return string.format('%.0f', x) end
if ARGV[4] == 'r' and ((ARGV[5] ~= '' and ut + rt + drt > tonumber(ARGV[5])) or (ARGV[6] ~= '' and uc + rc + drc > tonumber(ARGV[6]))) then
  redis.call('HSET', k, sf, seq, df, seq)
  if ttl > 0 then redis.call('PEXPIRE', k, ttl) end
  return {0, ut, uc, rt, rc}
end
ut, uc = math.max(0, ut + dut), math.max(0, uc + duc)
rt, rc = math.max(0, rt + drt), math.max(0, rc + drc)
redis.call('HSET', k, 'ut', f(ut), 'uc', f(uc), 'rt', f(rt), 'rc', f(rc), sf, seq)
if ARGV[4] == 'c' then redis.call('HSET', k, cf, seq) end
if ttl > 0 then redis.call('PEXPIRE', k, ttl) end
return {1, ut, uc, rt, rc}
`);

/** Budget: read one scope key. KEYS[1] the scope hash. Returns {ut, uc, rt, rc} (zeros when missing). */
export const BUDGET_GET = script(`
local v = redis.call('HMGET', KEYS[1], 'ut', 'uc', 'rt', 'rc')
return {tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, tonumber(v[4]) or 0}
`);

/**
 * Breaker: publish "open until". KEYS[1] open key, KEYS[2] probe lease.
 * ARGV: openUntil (epoch ms), ttlMs, client. Keeps the later of two openUntil
 * values; gives up the probe lease if this client holds it (its probe failed).
 */
export const BREAKER_OPEN = script(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if cur < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
`);

/** Breaker: the model recovered. KEYS[1] open key, KEYS[2] probe lease; deletes both. */
export const BREAKER_CLOSE = script(`
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`);

/** Breaker: KEYS[1] probe lease. ARGV: client. Frees the lease only when this client holds it. */
export const BREAKER_RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`);

/** Breaker: KEYS[1] open key. Returns openUntil as a string, or nil when closed (expired or deleted). */
export const BREAKER_READ = script(`
return redis.call('GET', KEYS[1])
`);

/** Breaker: KEYS[1] probe lease. ARGV: client, leaseMs. Returns 1 for exactly one caller per lease. */
export const BREAKER_PROBE = script(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`);
