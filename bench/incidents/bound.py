"""
An upper bound on task success over capacity: no scheduler, however much it knows, serves more
tasks of the replay's over-capacity workload than this linear program's optimum.

    python3 bench/incidents/bound.py [--seed 1] [--slot 10] [--hold]

Needs Python 3 with SciPy >= 1.9 (its HiGHS solver); reads the workload from bound-workload.ts
(npx tsx). Not part of `npm run bench:incidents`: the figures are in decision 0033.

Relaxations (each can only raise the optimum, so the bound holds):
- only the requests limits count (the token limits are dropped), and both models' are merged into
  one bucket of 250 requests refilled at 250 a minute, full at the start;
- time is cut into slots of `--slot` seconds; a task arrives at the start of its slot and its
  windows end at the end of a slot;
- a call is served by one request (a 429 takes no capacity at the simulated provider, so it
  costs nothing here); its latency is the fastest model's for its earliest bound and the slowest
  model's for how long the next call may wait (the first-attempt draws the provider will use;
  per slot, the extremes over the tasks that arrive in it);
- tasks are fractional.
A task's call k + 1 starts when call k ends, and each call must end within 120 s of its start:
  t0 + lat0 <= a + 120,  t(k+1) >= tk + lat(k),  t(k+1) + lat(k+1) <= tk + lat(k) + 120.
With --hold a contender may also hold an answer until its call's deadline before returning it
(so a later call's window is not tied to when the earlier one was sent): the loosest bound.
"""
import argparse, json, math, subprocess, time
from pathlib import Path

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

ap = argparse.ArgumentParser()
ap.add_argument('--seed', type=int, default=1)
ap.add_argument('--slot', type=float, default=10.0)
ap.add_argument('--hold', action='store_true')
args = ap.parse_args()
D = args.slot
DEADLINE = 120.0
RPM = 100 + 150
MODELS = [(2500, 0.6), (1500, 0.5)]  # median ms, sigma: the primary, the backup (as in incidents.ts)


def latency(model, z):
    median, sigma = MODELS[model]
    return round(median * math.exp(sigma * z)) / 1000.0


here = Path(__file__).parent
raw = json.loads(subprocess.run(['npx', 'tsx', str(here / 'bound-workload.ts'), '--seed', str(args.seed)], check=True, capture_output=True, text=True).stdout)
groups = {}
for t in raw:
    groups.setdefault(math.floor(t['a'] / 1000.0 / D), []).append(t['z'])

ncols = 0
ub_i, ub_j, ub_v, ub_b = [], [], [], []
eq_i, eq_j, eq_v = [], [], []
n_ub = n_eq = 0


def var(n=1):
    global ncols
    c = ncols
    ncols += n
    return c


def le(entries, rhs):  # sum(v * x_j) <= rhs
    global n_ub
    for j, v in entries:
        ub_i.append(n_ub); ub_j.append(j); ub_v.append(v)
    ub_b.append(rhs); n_ub += 1


def zero(entries):  # sum(v * x_j) == 0
    global n_eq
    for j, v in entries:
        eq_i.append(n_eq); eq_j.append(j); eq_v.append(v)
    n_eq += 1


served, sizes = [], []
sent = {}  # slot -> entries whose sum is the requests sent in it
for g, members in sorted(groups.items()):
    a = g * D
    z = var(); served.append(z); sizes.append(len(members))
    if args.hold:
        ends = [a + D + DEADLINE, a + D + 2 * DEADLINE, a + D + 3 * DEADLINE]
        min_gap, max_gap = [0, 0], [None, int(round(2 * DEADLINE / D))]
    else:
        fast = [min(latency(1, zz[k]) for zz in members) for k in range(3)]
        slow = [max(latency(0, zz[k]) for zz in members) for k in range(3)]
        ends = [a + D + DEADLINE - fast[0]]
        for k in range(2):
            ends.append(ends[k] + slow[k] + DEADLINE - fast[k + 1])
        min_gap = [math.floor(fast[k] / D) for k in range(2)]
        max_gap = [math.ceil((slow[k] + DEADLINE - fast[k + 1]) / D) for k in range(2)]
    # Y[k][s]: how much of the group's call k has been sent by the end of slot s (cumulative).
    calls = []
    for k in range(3):
        lo, hi = g, math.floor(ends[k] / D)
        base = var(hi - lo + 1)
        for s in range(lo, hi + 1):
            c = base + s - lo
            if s > lo:
                le([(c - 1, 1), (c, -1)], 0)
            sent.setdefault(s, []).append((c, 1))
            if s < hi:
                sent.setdefault(s + 1, []).append((c, -1))
        zero([(base + hi - lo, 1), (z, -1)])
        calls.append((lo, hi, base))

    def cum(k, s):
        lo, hi, base = calls[k]
        return [] if s < lo else [(z, 1)] if s >= hi else [(base + s - lo, 1)]

    for k in range(2):
        lo, hi, _ = calls[k + 1]
        for s in range(lo, hi + 1):
            later, earlier = cum(k + 1, s), cum(k, s - min_gap[k])
            if later:
                le(later + [(j, -v) for j, v in earlier], 0)  # not sent before the call before it ended
            if max_gap[k] is not None:
                due = cum(k, s - max_gap[k])
                if due:
                    le(due + [(j, -v) for j, v in cum(k + 1, s)], 0)  # sent before its deadline

# The bucket, per slot: at most its level is sent; the level refills by RPM * D / 60 a slot, up to
# RPM plus one slot's refill (any interval of n slots then sends at most RPM + n * refill).
refill = RPM / 60.0 * D
slots = max(sent) + 1
level = var(slots)
for s in range(slots):
    n = sent.get(s, [])
    le(n + [(level + s, -1)], 0)
    if s + 1 < slots:
        le([(level + s + 1, 1), (level + s, -1)] + n, refill)

cost = np.zeros(ncols)
cost[served] = -1.0
bounds = [(0, None)] * ncols
for j, n in zip(served, sizes):
    bounds[j] = (0, n)
for s in range(slots):
    bounds[level + s] = (0, RPM + refill)
started = time.time()
res = linprog(
    cost,
    A_ub=coo_matrix((ub_v, (ub_i, ub_j)), shape=(n_ub, ncols)).tocsr(),
    b_ub=np.array(ub_b),
    A_eq=coo_matrix((eq_v, (eq_i, eq_j)), shape=(n_eq, ncols)).tocsr(),
    b_eq=np.zeros(n_eq),
    bounds=bounds,
    method='highs',
)
if res.status != 0:
    raise SystemExit(res.message)
print(f'seed {args.seed}, {D:g}-s slots{", answers held" if args.hold else ""}: at most {-res.fun:.1f} of {len(raw)} tasks, '
      f'{100 * -res.fun / len(raw):.2f}% ({ncols:,} variables, {n_ub + n_eq:,} constraints, {time.time() - started:.0f} s)')
