// The docs' code lives in examples/ and a few tests (each block names its
// file). A user may paste it into the strictest project there is, so every such
// file is compiled here with the flags of `@tsconfig/strictest` on top of ours:
// `exactOptionalPropertyTypes` above all, where `{ timeoutMs: undefined }`
// only compiles if the option's type says `| undefined`. Only these files'
// own diagnostics count: users read the library's types, not compile its source.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PAGES = ['README.md', ...readdirSync(`${root}docs`).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
// Each block as `<!-- code: file -->` and the fenced lines after it.
const blocks = PAGES.flatMap((p) =>
  [...readFileSync(`${root}${p}`, 'utf8').matchAll(/<!--\s*code:\s*(\S+)\s*-->\s*```\w*\n([\s\S]*?)```/g)].map((m) => ({ file: m[1]!, lines: m[2]!.split('\n') })),
);
const named = blocks.map((b) => b.file);
// In a test file only the lines a block shows count; an example file counts whole.
const shown = new Set(blocks.flatMap((b) => b.lines.map((l) => `${b.file}\0${l.trim()}`)).filter((k) => !k.endsWith('\0')));
const counts = (file: string, line: string) => file.startsWith('examples/') || shown.has(`${file}\0${line.trim()}`);
const examples = readdirSync(`${root}examples`, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => `examples/${f}`);
const files = [...new Set([...named, ...examples, 'test/options/exact-optional.ts'])].sort();

const STRICTEST: ts.CompilerOptions = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  noPropertyAccessFromIndexSignature: true,
  noEmit: true,
};

describe('the docs compile in the strictest project', () => {
  it('covers every file a docs block names, options-defaults among them', () => {
    expect(files).toContain('examples/options-defaults.ts');
    expect(named.length).toBeGreaterThan(20);
  });

  it('has no diagnostics under exactOptionalPropertyTypes and the other strictest flags', () => {
    const config = ts.readConfigFile(`${root}tsconfig.json`, ts.sys.readFile.bind(ts.sys));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const paths = files.map((f) => `${root}${f}`);
    const program = ts.createProgram(paths, { ...parsed.options, ...STRICTEST });
    const text = paths.flatMap((p) => {
      const file = p.slice(root.length);
      return ts.getPreEmitDiagnostics(program, program.getSourceFile(p)).flatMap((d) => {
        const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
        const line = at && d.file ? d.file.text.split('\n')[at.line]! : '';
        if (file.startsWith('test/') && file !== 'test/options/exact-optional.ts' && !counts(file, line)) return [];
        return [`${file}${at ? `:${at.line + 1}` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`];
      });
    });
    expect(text).toEqual([]);
  }, 300_000);
});
