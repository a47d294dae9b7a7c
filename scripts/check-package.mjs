#!/usr/bin/env node
// The package checks `npm test` runs after the build: publint, attw and a size
// budget on what `npm pack` would publish. Each prints one line when it passes
// and its full output when it fails.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// Ceilings for the published tarball (bytes). Measured 285 kB packed and
// 1,052 kB unpacked (75 files) when they were set: about 20% headroom.
// Raise them on purpose, in the commit that needs it, and say why.
// +15 kB packed / +45 kB unpacked: every quota, billing and permission signal of both providers
// classified (all entries), and the header-driven buckets shared on Redis (its script and admission,
// in the ESM and CJS builds of the redis entry); measured 343.9 → 357.8 kB packed, 1,263 → 1,308 kB unpacked.
// +6.5 kB packed / +22 kB unpacked: the providers' image token rules (with image header parsing) and hedging fixes.
// +13.5 kB packed / +31 kB unpacked: every request-sending SDK method wrapped (resource views, helper
// props), conditions of your own, headers from the SDK's promise and the learned call weight, the
// first-chunk timer from the attempt's start; measured 385 kB packed, 1,398 kB unpacked with all of it.
// +8 kB packed / +20 kB unpacked / +6 files: the SDK fakes' own entries (`testing/openai`,
// `testing/anthropic`) and `| undefined` on every optional option in the types.
// Everything of this round merged: 399 kB packed, 1,445 kB unpacked, 93 files.
// +12 kB packed / +46 kB unpacked: deployments per model (options, ordering, per-deployment state and
// snapshot, the wrappers calling a deployment's client) and options per model; measured 410.4 kB packed,
// 1,492 kB unpacked, 93 files on its own branch.
// +15 kB packed / +58 kB unpacked: streams that survive mid-answer (the continuation formats, the
// splice, the client's glue) bundled into each entry that reaches the client; measured 414 kB / 1,505 kB.
// Everything of this round merged (the splits' module glue, the Anthropic output give-back, the
// shared probe release and CHANGELOG lines besides): 434 kB packed, 1,580 kB unpacked, 93 files.
// +10 kB packed / +34 kB unpacked: the closed-breaker path beside opossum, turns over capacity, the
// shared burst on Redis, early sends and the docs' decision records 0013-0016 besides; measured 444 kB
// packed, 1,614 kB unpacked, 93 files with everything of this round merged.
// +2.6 kB packed / +6 kB unpacked: the monitor's per-model state made on first need (its lazy
// pieces, in each entry that bundles the monitor, and a CHANGELOG line); main measured 449.9 kB
// packed and already 1,636 kB unpacked before it, 452.4 kB / 1,642 kB / 93 files with it.
// +4 kB packed / +16 kB unpacked: the rest of this round merged — opossum made at a model's first
// failure (its engine and tally), the limiter's queue and account split out, the hidden-window burst,
// the call split out of the client, schemas built on first use, decision records 0017-0019 and their
// CHANGELOG lines; measured 454 kB packed, 1,650 kB unpacked, 93 files with everything merged.
// +6 kB packed / +20 kB unpacked: the success path's layers (the monitor's success batch, the budget's
// ledger split and synchronous path, in each entry that bundles them), decision record 0024 and its
// CHANGELOG lines; measured 460 kB packed, 1,670 kB unpacked on its own branch.
// +8 kB packed / +28 kB unpacked: the rest of this round merged — attempt deadlines on one timer (with
// the pipeline's try-parts split), over-capacity room taken back (flights), the two-part shared burst
// on Redis, the hidden-window floor and cut, and their CHANGELOG lines; measured 468 kB packed,
// 1,695 kB unpacked, 93 files with everything merged.
// +3 kB packed / +11 kB unpacked: opossum loaded on first need (its loader and the wait before an
// attempt), the longest-answer weight on shared buckets, and their CHANGELOG lines.
// +2 kB packed / +6 kB unpacked: admission of a model with no bucket yet without the general path's
// loops, and the calls in flight as a ring of numbers (in the ESM and CJS builds), with its CHANGELOG
// line; measured 481.0 → 482.9 kB packed, 1,746.4 → 1,751.6 kB unpacked on its own branch.
// +1 kB packed / +4 kB unpacked: the first client's options checked without zod for the usual
// options (in each entry that bundles the client) and its CHANGELOG line; measured 482.7 kB packed,
// 1,751.5 kB unpacked, 96 files on its own branch.
// +4 kB packed / +13 kB unpacked: the model try as one object (decision record 0040: the class, the
// attempts' objects and their comments, in both builds) and its CHANGELOG line; measured 481.3 kB /
// 1,746.4 kB before, 485.0 kB / 1,759.1 kB / 96 files after, on its own branch.
// +3.5 kB packed / +9.5 kB unpacked: the layers without their bookkeeping (the budget's pipeline
// reservations and open-reservation count, the estimate memo, the store's settle view, the monitor's
// last model and the watchdog left armed, in each entry that bundles them); measured 481.1 kB packed,
// 1,746.3 kB unpacked before it and 484.5 kB / 1,755.8 kB / 96 files with it, on its own branch.
// +2 kB packed / +5 kB unpacked: deadline-aware admission (a stated deadline bounds the wait, earliest
// deadline first, refused when it cannot finish) and `deadlineMs` on wrapped calls, with its docs and
// CHANGELOG line; measured 484 kB packed, 1,753 kB unpacked on its own branch.
// +512 B packed / +1,547 B unpacked: one clock reading for a call's start (the budget's reserve and
// admission take the pipeline's), a pipeline reservation as its own hold, priceFor's search apart from
// its memo (in each entry that bundles them), and the CHANGELOG line; measured 492,279 → 492,791 B packed,
// 1,786,422 → 1,787,969 B unpacked, 96 files, on its own branch (decision record 0046).
// +0.8 kB packed / +3.2 kB unpacked: a stated deadline judged by the output answers write (the output
// part learned per model, the foreseen wait) with its CHANGELOG line; measured 492,287 → 493,074 bytes
// packed, 1,786,422 → 1,789,607 unpacked, 96 files, against main on its own branch.
// +2.1 kB packed / +8.7 kB unpacked: the breaker's count without its promise (enter / succeeded / failed and
// the failure count split from its promise), the bus's emit of a built payload, the retry budget's last
// model, in each entry that bundles them, and the CHANGELOG line (decision record 0045); measured by the
// lead 492,534 → 494,669 B packed, 1,786,412 → 1,795,116 B unpacked, 96 files, on its own branch.
// +1.6 kB packed / +9.4 kB unpacked: the monitor's share of a success (decision record 0044: the reused
// guard, the attempts as their own deadline and dispose entries, the one-pass usage read, in each entry
// that bundles the client) and its CHANGELOG line; measured 494,333 → 495,959 B packed, 1,791,208 →
// 1,800,586 B unpacked, 96 files, against main on its own branch (merged with main).
// +2,693 B packed / +6,302 B unpacked: calls with deadlines waiting by them on the Redis-shared buckets
// (turns ordered per process, the hand-over, waiting calls filed in the bucket script) and its CHANGELOG
// line; measured 495,497 → 498,190 B packed, 1,799,936 → 1,806,238 B unpacked, 96 files, against main
// (33656d6) on its own branch.
// All five merged (measured by the lead): 502,373 B packed, 1,824,241 B unpacked, 96 files; the Redis
// deadline waits added 4,045 B packed / 15,157 B unpacked to the four merged before it.
// +276 B packed / +52 B unpacked: the turn rule shared by the queue and the Redis turns (turnIn) is
// one function that both entries' bundles now carry; measured 502,649 B packed, 1,824,293 B unpacked.
// This round's five branches, each measured against cb822a9 on its own: the breaker's counting as its own
// class and the bench's method line (decision 0054) +786 / +1,477 B; the callers' patience learned from their
// aborts (0049) +3,021 / +9,166 B; the Redis bucket script's idle-spell count, reading fold and output part
// (0051) +1,922 / +7,583 B; the attempt handing its outcome to the model try (0053) +2,256 / +5,990 B;
// admission's view and the per-call objects around it (0052) +1,464 / +3,671 B. Merged, the build measures
// 510,677 B packed and 1,852,468 B unpacked (96 files): +8,028 / +28,175 B on 502,649 / 1,824,293 B. The
// budget is that, rounded up to the next 0.5 kB.
// +96 B packed / +430 B unpacked: the CHANGELOG line for the throughput target judged alone in a process
// (decision 0056); measured 510,773 B packed, 1,852,898 B unpacked on 510,677 / 1,852,468 B.
// +1,698 B packed / +5,194 B unpacked: the bus's listener snapshot and the call's first try settling the call
// (decision record 0055), in each entry that bundles the client, and the CHANGELOG line; measured
// 510,931 → 512,629 B packed, 1,852,697 → 1,857,891 B unpacked against main (5bc9aae) on its own branch.
// The lead's docs after the merges (the README status, the rate-limit page: +197 B unpacked) and the plain
// attempt settled once (its flag and the CHANGELOG line): the merged build measures 513,031 B packed and
// 1,859,659 B unpacked (96 files). The budget is that, rounded up to the next 0.5 kB.
// +780 B packed / +2,502 B unpacked: the model try with fewer fields and no handlers bound per success, the
// call's first-model judge as an object (decision record 0057), in each entry that bundles the client, and the
// CHANGELOG line; measured 512,508 → 513,288 B packed, 1,859,892 → 1,862,394 B unpacked against main (af36054)
// on its own branch. The budget rises by exactly that.
// +1,388 B packed / +3,692 B unpacked: the layers' look-ups kept at hand and admission's at-once path in its
// own method (decision record 0058); measured 512,833 → 514,221 B packed, 1,859,848 → 1,863,540 B unpacked
// against main (af36054) on its own branch, both built the same way.
// Merged with the model try above, the merged build measures 514,328 B packed and 1,866,086 B unpacked (96
// files). The budget is that, rounded up to the next 0.5 kB.
// +2,466 B packed / +7,541 B unpacked: calls held to learn the callers' patience (decision record 0060) in each
// entry that bundles the client, the README status and the CHANGELOG line; measured 512,829 → 515,295 B packed,
// 1,859,888 → 1,867,429 B unpacked against main (af36054) on its own branch.
// Merged with the two above, the merged build measures 516,772 B packed and 1,873,647 B unpacked (96 files).
// The budget is that, rounded up to the next 0.5 kB.
// +4,608 B packed / +18,029 B unpacked: option schemas on zod's core through a module of builders of our
// own, and the event bus's own listener lists (decision record 0059), in each build and the CLI, with
// their CHANGELOG lines; measured 512,827 → 517,435 B packed, 1,859,860 → 1,877,889 B unpacked, 96 files,
// against main (af36054) on its own branch.
// Merged with main (401d47b): 516,873 → 521,667 B packed, 1,873,659 → 1,891,744 B unpacked, 96 files
// (+4,794 / +18,085 B), both built the same way; the budget rises by exactly that.
// The lead kept eventemitter3 (decision record 0059's last section): without the bus's own lists the merged
// build measures 521,008 B packed and 1,890,694 B unpacked (96 files); the budget is that, rounded up to the
// next 0.5 kB.
// +312 B packed / +246 B unpacked: the system clock's keepAlive tells a Node timer without the chained wait's
// `instanceof` (decision record 0062), in each entry that bundles the clock; measured 514,328 → 514,640 B
// packed, 1,866,086 → 1,866,332 B unpacked against main (b73dc4d). The budget rises by exactly that.
// Merged with the above, the build measures 521,188 B packed and 1,890,940 B unpacked (96 files); the budget
// is that, rounded up to the next 0.5 kB.
// +473 B packed / +3,535 B unpacked: the client's own admission takes a flight as its number, and the budget's
// direct reserve takes its request's fields as arguments (decision record 0063), in each entry that bundles the
// client; measured 521,289 → 521,762 B packed, 1,890,993 → 1,894,528 B unpacked, 96 files, against main
// (33b1d87), both built the same way. The budget rises by exactly that.
// +672 B packed / +1,586 B unpacked: an option whose own schema throws on its value is named in the
// ConfigError (the option checks, bundled in each entry that validates options) and its CHANGELOG line;
// measured 521,762 → 522,434 B packed, 1,894,528 → 1,896,114 B unpacked, 96 files. The budget rises by that.
// +218 B packed / +857 B unpacked: the shared budget's script refuses a stale command, and the store starts
// its sequence from the clock (the redis entry), with the CHANGELOG line; measured 522,434 → 522,652 B packed,
// 1,896,114 → 1,896,971 B unpacked, 96 files. The budget rises by that.
// +329 B packed / +1,142 B unpacked: the README's quick start passes the caller's signal, with a paragraph on
// it, and the CHANGELOG line; measured 522,652 → 522,981 B packed, 1,896,971 → 1,898,113 B unpacked, 96 files.
// +33 B packed / +128 B unpacked: the shared budget sends an operation Redis found stale once more;
// measured 522,981 → 523,014 B packed, 1,898,113 → 1,898,241 B unpacked, 96 files.
// +238 B packed / +602 B unpacked: the README's figures made consistent with the reference pages (time back
// on the primary, the taskId figures, the roadmap) and a CHANGELOG line on the budget estimate's output;
// measured 523,014 → 523,252 B packed, 1,898,241 → 1,898,843 B unpacked, 96 files. The budget rises by that.
// +2,120 B packed / +7,655 B unpacked: processes sharing limits on Redis share the callers' patience (the
// share's script and class in the redis entry, the patience moved to a chunk both entries load) and the
// CHANGELOG line (decision record 0066); measured 522,981 → 525,101 B packed, 1,898,113 → 1,905,768 B
// unpacked, 96 files, against 2fa6c4a, both built the same way. The budget rises by exactly that.
// Merged with the above, the build measures 525,310 B packed and 1,905,058 B unpacked (96 files); the budget
// is that, rounded up to the next 0.5 kB.
// +720 B unpacked (packed −14 B): `run` refuses an unknown key inside `hedge`, in each entry that bundles the
// client, and the CHANGELOG line; measured 525,310 → 525,296 B packed, 1,905,058 → 1,905,778 B unpacked.
// +204 B packed / +618 B unpacked: the README's status and over-capacity figures as re-measured, and the
// CHANGELOG line on the bench's steady state; measured 525,296 → 525,500 B packed, 1,905,778 → 1,906,396 B.
// +291 B packed / +36 B unpacked: the CHANGELOG line and the type documentation of `instrument`'s budget
// default; measured 525,500 → 525,791 B packed, 1,906,396 → 1,906,432 B unpacked, 96 files.
// +1,144 B packed / +3,552 B unpacked: each shared-bucket admission runs once (the bucket script's guard and
// the store's id and sequence, in the ESM and CJS builds of the redis entry and its types) and the CHANGELOG
// line (decision record 0068); measured 525,686 → 526,830 B packed, 1,906,176 → 1,909,728 B on its own branch.
// Merged with the above, the build measures 526,903 B packed and 1,909,984 B unpacked (96 files); the budget
// keeps the margin it had before the merge (204 B packed, 442 B unpacked).
// +376 B packed / +1,901 B unpacked: three files split by job (decision record 0069: the errors' root, the
// stream pump's pull and the budget ledger's settle in modules of their own; the new classes' fields,
// constructors and comments, in both builds); measured 525,537 → 525,913 B packed, 1,906,182 → 1,908,083 B
// unpacked, 96 files, against main (b03ce2a), both built the same way. The budget rises by exactly that.
// Merged with the above, the build measures 527,249 B packed and 1,911,885 B unpacked (96 files): +346 /
// +1,901 B over the merge before it; the budget rises by that.
// +380 B packed / +1,559 B unpacked: each shared abort recorded once (the patience script's guard, the
// share's id and sequence, in the ESM and CJS builds of the redis entry and its types) and the CHANGELOG
// line (decision record 0071); measured 527,364 → 527,744 B packed, 1,912,087 → 1,913,646 B unpacked,
// 96 files, against main (c5575e3). The budget rises by exactly that.
// +359 B packed / +1,151 B unpacked: the shared buckets drop a refund made before the level was back at
// its top (the script's field and rule, in the ESM and CJS builds of the redis entry) and the CHANGELOG
// line (decision record 0073); measured 527,786 → 528,145 B packed, 1,913,803 → 1,914,954 B, 96 files.
// +167 B packed / +509 B unpacked: the CHANGELOG line on what a dropped connection does to bottleneck's
// reservoirs (decision record 0076, docs only); measured 528,145 → 528,312 B packed, 1,914,954 → 1,915,463 B
// unpacked, 96 files, against main (e12280b). The budget rises by exactly that.
// +1,687 B packed / +3,194 B unpacked: the docs audit (README: the run function's whole context, the module
// resolutions the subpath entries need, the Mastra skip), its CHANGELOG lines, the adaptive-timeout floor held
// to the default cap (decision record 0077) and two corrected type comments (the breaker snapshot's counts, the
// health window's default), in each build; measured 528,145 → 529,832 B packed, 1,914,954 → 1,918,148 B
// unpacked, 96 files, against main (e12280b). The budget rises by exactly that.
// Both merged, measured on the merged tree: 530,002 B packed (3 B more than the two claims summed: gzip),
// 1,918,657 B unpacked, 96 files; the margin above it stays as it was (47 B / 83 B).
// +278 B packed / +1,216 B unpacked: the Redis limiter bounds a call's wait for the shared reservoirs by
// `maxWaitMs` or its deadline (both builds of the redis entry), its CHANGELOG line and the docs' words;
// measured 530,002 → 530,280 B packed, 1,918,657 → 1,919,873 B unpacked, 96 files.
// +57 B packed / +98 B unpacked: the slowest return to the primary corrected (README, CHANGELOG); measured
// 530,280 → 530,337 B packed, 1,919,873 → 1,919,971 B unpacked, 96 files.
// +189 B packed / +593 B unpacked: a given hedge.minDelayMs held to maxDelayMs (given or default) in both
// builds, its CHANGELOG line; measured 530,337 → 530,526 B packed, 1,919,971 → 1,920,564 B unpacked, 96 files.
// +2,534 B packed / +7,851 B unpacked: the success path without its look-ups by name and its closure
// contexts (the bus's topics, the breaker and learned weights kept at hand, each rare wait a function of
// its own, with their comments, in the ESM and CJS builds and the CLI) and the CHANGELOG line (decision
// record 0074); measured 527,999 → 530,533 B packed, 1,915,000 → 1,922,851 B unpacked, 96 files, against
// e12280b, both built the same way. The budget rises by exactly that.
// Merged, measured on the merged tree: 530,526 → 532,736 B packed (+2,210), 1,920,564 → 1,928,461 B unpacked
// (+7,897), 96 files; the margin above it stays 47 B / 83 B.
// +67 B packed / +108 B unpacked: the README's benchmark figures after the re-saved run; measured
// 532,736 → 532,803 B packed, 1,928,461 → 1,928,569 B unpacked, 96 files.
// +1,198 B packed / +5,423 B unpacked: `limits.processes`, a configured count of the processes sharing a key
// (its schema, the equal part and the burst held to it, in each entry that bundles the limiter), with its
// CHANGELOG line and the README status (decision record 0079); measured 532,711 → 533,909 B packed,
// 1,928,582 → 1,934,005 B unpacked, 96 files, against main (9a04ff1), both built the same way. The budget
// rises by exactly that.
// +88 B packed / +332 B unpacked: the Redis limiter's shared wait bounded with the header buckets' wait
// counted against `maxWaitMs`, with its CHANGELOG words; measured 533,909 → 533,997 B packed, 1,934,005 →
// 1,934,337 B unpacked, 96 files, against cdff720, both built the same way.
// +75 B packed / +267 B unpacked: the README's pointer for several processes on one key; measured
// 533,997 → 534,072 B packed, 1,934,337 → 1,934,604 B unpacked, 96 files.
// +809 B packed / +2,643 B unpacked: on Redis a call spills to a later model that serves sooner by the
// store's last answers, with its CHANGELOG line (decision record 0080); measured 534,072 → 534,881 B
// packed, 1,934,604 → 1,937,247 B unpacked, 96 files, against main (e13ef6d), both built the same way.
// +540 B packed / −302 B unpacked: the review's two mends (the room helper shared by the learned and the
// equal part, the burst cap passed to setRate); gzip packs the smaller source worse. Measured 534,846 →
// 535,386 B packed, 1,937,151 → 1,936,849 B unpacked, 96 files, against eb14357. Packed rises by exactly that.
// −356 B packed / +2,421 B unpacked: the Redis limiter's snapshot counting the calls on its reservoirs,
// one format for every unknown-key message, their CHANGELOG lines; measured 535,386 → 535,030 B packed,
// 1,936,849 → 1,939,270 B unpacked, 96 files, against 083a90e. Unpacked rises by exactly that.
// −146 B packed / +457 B unpacked: `limits.processes` takes no room before a hidden window cuts the burst
// and then 1/N of what the others leave, with its CHANGELOG words (decision record 0081); measured
// 535,386 → 535,240 B packed, 1,936,849 → 1,937,306 B unpacked, 96 files, against 083a90e, both built the
// same way. Unpacked rises by exactly that.
// Both merged, measured on the merged tree: 535,413 B packed, 1,939,727 B unpacked (the two claims summed), 96 files.
// +1,286 B packed / +3,157 B unpacked: the headers' output remaining read with the output given back since the
// oldest call in flight was sent (one more number per call in flight) and its CHANGELOG line (decision
// record 0083); measured 535,045 → 536,331 B packed, 1,939,304 → 1,942,461 B unpacked, 96
// files, against main (b7c5360), both built the same way. The budget rises by exactly that.
// All three merged, measured on the merged tree: 536,058 B packed, 1,942,918 B unpacked, 96 files.
const BUDGET = { packed: 536_846, unpacked: 1_943_352, files: 100 };
// What the tarball may contain: the builds, their types and the documents
// (docs/decisions/0008: no source maps).
const SHIPPED = /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/[\w.-]+\.(js|cjs|d\.ts|d\.cts))$/;

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const failures = [];
const run = (label, cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status === 0) return r.stdout;
  failures.push(label);
  process.stderr.write(`${label} failed (exit ${r.status ?? r.signal}):\n${r.stdout ?? ''}${r.stderr ?? ''}\n`);
  return undefined;
};

if (run('publint', bin('publint'), ['--strict']) !== undefined) console.log('package: publint --strict clean');
if (run('attw', bin('attw'), ['--pack', '.', '--profile', 'node16']) !== undefined) {
  console.log('package: attw (node16 profile) found no type resolution problems');
}

const out = run('npm pack --dry-run', 'npm', ['pack', '--dry-run', '--json', '--loglevel=error']);
if (out !== undefined) {
  const [pack] = JSON.parse(out);
  const kb = (n) => `${(n / 1000).toFixed(0)} kB`;
  const over = [];
  if (pack.size > BUDGET.packed) over.push(`packed ${kb(pack.size)} > ${kb(BUDGET.packed)}`);
  if (pack.unpackedSize > BUDGET.unpacked) over.push(`unpacked ${kb(pack.unpackedSize)} > ${kb(BUDGET.unpacked)}`);
  if (pack.entryCount > BUDGET.files) over.push(`${pack.entryCount} files > ${BUDGET.files}`);
  const stray = pack.files.map((f) => f.path).filter((p) => !SHIPPED.test(p));
  if (stray.length) over.push(`unexpected files: ${stray.slice(0, 5).join(', ')}${stray.length > 5 ? ', …' : ''}`);
  if (over.length) {
    failures.push('size budget');
    console.error(`package: over budget (scripts/check-package.mjs): ${over.join('; ')}`);
  } else {
    console.log(
      `package: ${kb(pack.size)} packed, ${kb(pack.unpackedSize)} unpacked, ${pack.entryCount} files (budget ${kb(BUDGET.packed)} / ${kb(BUDGET.unpacked)} / ${BUDGET.files})`,
    );
  }
}

if (failures.length) process.exit(1);
