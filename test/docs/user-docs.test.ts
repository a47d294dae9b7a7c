// STYLE rule 13: user docs speak to users. README, docs/ (decision records
// aside), examples/ and the JSDoc users read in the type declarations never
// name internal issue numbers, source paths or test files, and examples import
// the package by name, as a user's code would.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(root, path)).isDirectory() ? files(path, ext) : ext.test(name) ? [path] : [];
  });
}
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** What a reader of the rendered page sees: HTML comments (the docs tests' `<!-- code: … -->` markers) are not shown. */
const visible = (markdown: string) => markdown.replace(/<!--[\s\S]*?-->/g, '');

/** The JSDoc blocks of a source file: they end up in the published type declarations. */
const jsdoc = (source: string) => (source.match(/\/\*\*[\s\S]*?\*\//g) ?? []).join('\n');

/** Internal references a user cannot follow, each with a name for the failure message. */
const INTERNAL: readonly [string, RegExp][] = [
  ['an issue number', /(?:\bissues?\s*#?\d+\b|(?<![\w&])#\d{1,4}\b(?![\w-]))/i],
  ['a source path', /(?<![\w.-])(?:\.\.?\/)*src\/[\w./-]+/],
  ['a test file', /(?<![\w-])(?:test\/[\w./-]+|[\w-]+\.test(?:-d)?\.ts)\b/],
];

/** The first internal reference in `text`, as `kind: "match"` with its line, or undefined. */
function internalReference(text: string): string | undefined {
  for (const [kind, pattern] of INTERNAL) {
    const m = pattern.exec(text);
    if (m) return `${kind}: "${m[0]}" on line ${text.slice(0, m.index).split('\n').length}`;
  }
  return undefined;
}

const pages = ['README.md', ...files('docs', /\.md$/).filter((p) => !p.startsWith(join('docs', 'decisions')))];
const examples = files('examples', /\.(ts|mjs|js)$/);
const sources = files('src', /\.ts$/);

describe('user docs name nothing internal', () => {
  it('recognises what it must catch, and leaves what it must not', () => {
    for (const bad of ['see issue 6', 'issue #12', 'Observability (#9)', 'in src/client/client.ts', 'from ../src/index.js', 'test/docs/user-docs.test.ts', 'see retry.test.ts']) {
      expect(internalReference(bad), bad).toBeDefined();
    }
    for (const good of ['color: #58a6ff', 'a 429 with Retry-After', 'rate limit #fff', '`llm-resilience/testing`', 'docs/testing.md', 'the test suite', 'this.#private']) {
      expect(internalReference(good), good).toBeUndefined();
    }
  });

  it.each(pages)('%s', (page) => {
    expect(internalReference(visible(read(page)))).toBeUndefined();
  });

  it.each(examples)('%s', (file) => {
    expect(internalReference(read(file))).toBeUndefined();
  });

  it('JSDoc of the library (it ships in the type declarations)', () => {
    const found = sources.flatMap((file) => {
      const problem = internalReference(jsdoc(read(file)));
      return problem ? [`${relative(root, join(root, file))}: ${problem}`] : [];
    });
    expect(found).toEqual([]);
  });
});

describe('examples import the package by name', () => {
  it.each(examples)('%s', (file) => {
    const relativeImports = [...read(file).matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']*)'/g)].map((m) => m[1]!);
    // Their own helpers (./support/…, ./demo/…) are fine; the library is not reached by path.
    expect(relativeImports.filter((spec) => !spec.startsWith('./'))).toEqual([]);
  });
});
