#!/usr/bin/env node
// Packs the library, installs the tarball into a throwaway project and uses it
// once from ESM and once from CommonJS, as a consumer would; then checks that it
// installs beside the oldest SDK majors we support without ERESOLVE.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'llm-resilience-smoke-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

try {
  const tarball = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], root))[0].filename;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'smoke', private: true, version: '0.0.0' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', join(dir, tarball)], dir);

  const body = (imp) => `
${imp}
const clock = createFakeClock();
const provider = createFakeProvider(clock, { a: [step.rateLimit({ retryAfter: 1 }), step.success()] });
// One model: with a second one the 429 would spill there at once instead of waiting out its Retry-After.
const client = new ResilientClient({ models: ['a'], clock });
let retries = 0;
client.on('retry', () => retries++);
const p = client.run(provider.call);
clock.advance(1000).then(async () => {
  const res = await p;
  if (res.model !== 'a' || retries !== 1) throw new Error('unexpected result ' + JSON.stringify({ model: res.model, retries }));
  client.dispose();
  console.log('ok');
});
`;
  writeFileSync(
    join(dir, 'esm.mjs'),
    body(`import { ResilientClient } from 'llm-resilience';\nimport { createFakeClock, createFakeProvider, step } from 'llm-resilience/testing';`),
  );
  writeFileSync(
    join(dir, 'cjs.cjs'),
    body(`const { ResilientClient } = require('llm-resilience');\nconst { createFakeClock, createFakeProvider, step } = require('llm-resilience/testing');`),
  );

  // One core across entry points: an error thrown through a subpath entry is an
  // instance of the class the root exports, and a client built by one entry is
  // the root's ResilientClient — from ESM and from CommonJS alike.
  const ENTRIES = ['llm-resilience', 'llm-resilience/openai', 'llm-resilience/anthropic', 'llm-resilience/ai-sdk', 'llm-resilience/testing', 'llm-resilience/testing/openai', 'llm-resilience/testing/anthropic'];
  const shared = (load) => `
${load}
const [root, { wrapOpenAI }, { wrapAnthropic }, { resilienceMiddleware }, { createFakeClock, FakeAPIError }] = entries;
const clock = createFakeClock();
const quota = () => Promise.reject(new FakeAPIError(429, 'quota', { type: 'insufficient_quota', code: 'insufficient_quota' }));
const openai = wrapOpenAI({ chat: { completions: { create: quota } } }, { models: ['a', 'b'], clock, retry: false, monitor: false });
const anthropic = wrapAnthropic({ messages: { create: quota } }, { models: ['a'], clock, monitor: false });
const middleware = resilienceMiddleware({ models: ['a'], clock, monitor: false });
openai.chat.completions.create({ model: 'a', messages: [] }).then(
  () => { throw new Error('expected a rejection'); },
  (error) => {
    const checks = {
      'error instanceof root AllModelsFailedError': error instanceof root.AllModelsFailedError,
      'error instanceof root ResilienceError': error instanceof root.ResilienceError,
      'isAllModelsFailedError(error)': root.isAllModelsFailedError(error),
      'wrapOpenAI client instanceof root ResilientClient': openai.resilience instanceof root.ResilientClient,
      'wrapAnthropic client instanceof root ResilientClient': anthropic.resilience instanceof root.ResilientClient,
      'middleware client instanceof root ResilientClient': middleware.resilience instanceof root.ResilientClient,
    };
    const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([name]) => name);
    if (failed.length) throw new Error('not one core: ' + failed.join(', '));
    for (const c of [openai.resilience, anthropic.resilience, middleware.resilience]) c.dispose();
    console.log('ok');
  },
);
`;
  writeFileSync(join(dir, 'entries-esm.mjs'), shared(`const entries = await Promise.all(${JSON.stringify(ENTRIES)}.map((e) => import(e)));`));
  writeFileSync(join(dir, 'entries-cjs.cjs'), shared(`const entries = ${JSON.stringify(ENTRIES)}.map((e) => require(e));`));

  for (const file of ['esm.mjs', 'cjs.cjs', 'entries-esm.mjs', 'entries-cjs.cjs']) {
    // --no-experimental-require-module: prove CommonJS works without require(esm).
    const flags = file.endsWith('.cjs') && Number(process.versions.node.split('.')[0]) >= 20 ? ['--no-experimental-require-module'] : [];
    const out = run(process.execPath, [...flags, file], dir).trim();
    if (out !== 'ok') throw new Error(`${file}: expected "ok", got ${JSON.stringify(out)}`);
    console.log(`pack-smoke: ${file} ok`);
  }

  // A project that already has an older SDK major (on Node 20, `npm install openai`
  // gives 6.x) must be able to add us: the lowest major of each SDK the tests run
  // (the devDependency aliases below) must satisfy our peer ranges, or npm stops
  // with ERESOLVE. A dry run resolves the tree from the registry's metadata
  // (cached by `npm ci`) without downloading or writing anything.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const lowest = Object.entries({ openai: 'openai6', '@anthropic-ai/sdk': 'anthropic0', ai: 'ai5' }).map(([name, alias]) => {
    const m = /^npm:(.+)@([^@]+)$/.exec(pkg.devDependencies?.[alias] ?? '');
    if (!m || m[1] !== name) throw new Error(`devDependency "${alias}" should be "npm:${name}@<version>", got ${JSON.stringify(pkg.devDependencies?.[alias])}`);
    return `${name}@${m[2]}`;
  });
  const beside = join(dir, 'beside');
  mkdirSync(beside);
  writeFileSync(join(beside, 'package.json'), JSON.stringify({ name: 'beside', private: true, version: '0.0.0' }));
  run('npm', ['install', '--dry-run', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...lowest, join(dir, tarball)], beside);
  console.log(`pack-smoke: installs beside ${lowest.join(', ')} (no ERESOLVE)`);

  // The `llm-resilience` command, run as a user runs it: through npx, from the
  // installed package's bin link, on this Node.
  const now = Date.now();
  const log = [
    { event: 'success', timestamp: now - 60_000, model: 'a', attempt: 1, latencyMs: 900 },
    { event: 'failure', timestamp: now - 30_000, model: 'a', attempt: 1, latencyMs: 300, kind: 'server', status: 500, retryable: true },
  ];
  writeFileSync(join(dir, 'events.jsonl'), `${log.map((e) => JSON.stringify(e)).join('\n')}\n`);
  const report = run('npx', ['--no-install', 'llm-resilience', 'report', 'events.jsonl', '--since', '1h', '--format', 'json'], dir);
  const a = JSON.parse(report).models?.find((m) => m.model === 'a')?.windows?.[0];
  if (a?.calls !== 2 || a?.errors !== 1) throw new Error(`npx llm-resilience report: unexpected output ${report.slice(0, 300)}`);
  const help = run('npx', ['--no-install', 'llm-resilience', '--help'], dir);
  if (!help.startsWith('Usage: llm-resilience report')) throw new Error(`npx llm-resilience --help: unexpected output ${help.slice(0, 300)}`);
  console.log('pack-smoke: npx llm-resilience report ok');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
