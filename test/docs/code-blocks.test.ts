// STYLE rule 12: every code block in the README and these docs is either a
// runnable file in examples/ or part of a test. Each TypeScript block is
// preceded by `<!-- code: <file> -->` and must appear in that file, line for
// line (indentation and blank lines aside; imports of '../src/…' read as the
// package name). Shell blocks may only name npm scripts that exist.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(`${root}/${path}`, 'utf8');

/** The pages these checks cover. */
const PAGES = [
  'README.md',
  'docs/index.md',
  'docs/concepts.md',
  'docs/options.md',
  'docs/events.md',
  'docs/errors.md',
  'docs/testing.md',
  'docs/budget.md',
  'docs/monitoring.md',
  'docs/streaming.md',
  'docs/distributed.md',
  'docs/providers.md',
  'docs/frameworks.md',
  'docs/rate-limits.md',
  'docs/content-fallbacks.md',
  'docs/hedging.md',
  'docs/stream-resume.md',
  'docs/conditions.md',
  'docs/deployments.md',
  'docs/observability.md',
  'docs/performance.md',
  'docs/reliability.md',
  'docs/decisions/0001-bottleneck-timers.md',
  'docs/decisions/0002-opossum-on-the-injected-clock.md',
  'docs/decisions/0003-success-path-cost-and-opossum.md',
  'docs/decisions/0004-admission-on-the-injected-clock.md',
  'docs/decisions/0006-provider-aware-chains.md',
];
const CODE_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'tsx', 'mjs', 'cjs']);

interface Block {
  page: string;
  line: number;
  lang: string;
  body: string;
  source: string | undefined;
}

function blocks(page: string): Block[] {
  const lines = read(page).split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    let prev = start - 1;
    while (prev >= 0 && lines[prev]!.trim() === '') prev--;
    const marker = prev >= 0 ? /<!--\s*code:\s*(\S+)\s*-->/.exec(lines[prev]!) : null;
    out.push({ page, line: start + 1, lang: open[2]!, body: body.join('\n'), source: marker?.[1] });
  }
  return out;
}

const normalize = (code: string) =>
  code
    .replace(/from '(?:\.\.\/)+src\/testing\/(openai|anthropic)\.js'/g, "from 'llm-resilience/testing/$1'")
    .replace(/from '(?:\.\.\/)+src\/(testing|redis|otel|sse|dashboard)\/index\.js'/g, "from 'llm-resilience/$1'")
    .replace(/from '(?:\.\.\/)+src\/providers\/(openai|anthropic|ai-sdk)\.js'/g, "from 'llm-resilience/$1'")
    .replace(/from '(?:\.\.\/)+src\/index\.js'/g, "from 'llm-resilience'")
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

function containsRun(haystack: readonly string[], needle: readonly string[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

const all = PAGES.filter((p) => existsSync(`${root}/${p}`)).flatMap(blocks);
const code = all.filter((b) => CODE_LANGS.has(b.lang));
const shell = all.filter((b) => ['sh', 'bash', 'shell'].includes(b.lang));

describe('code blocks in the docs', () => {
  it('finds the pages and their blocks', () => {
    expect(PAGES.filter((p) => !existsSync(`${root}/${p}`))).toEqual([]);
    expect(code.length).toBeGreaterThanOrEqual(8);
  });

  it.each(code.map((b) => [`${b.page}:${b.line}`, b] as const))('%s matches the file it names', (_, b) => {
    expect(b.source, 'a TypeScript block needs a <!-- code: file --> marker').toBeDefined();
    const source = b.source!;
    expect(source, 'the named file must be type-checked: examples/ or test/').toMatch(/^(examples|test)\//);
    expect(existsSync(`${root}/${source}`), `${source} exists`).toBe(true);
    const needle = normalize(b.body);
    expect(needle.length).toBeGreaterThan(0);
    expect(containsRun(normalize(read(source)), needle), `the block is not (or no longer) in ${source}`).toBe(true);
  });

  it('names only npm scripts that exist', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const named = shell.flatMap((b) => [...b.body.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!));
    expect(named).toContain('demo');
    for (const name of named) expect(Object.keys(scripts), `npm run ${name}`).toContain(name);
    expect(shell.some((b) => b.body.trim() === 'npm ci && npm run demo')).toBe(true);
    expect(shell.some((b) => b.body.trim() === 'npm ci && npm test')).toBe(true);
  });
});
