#!/usr/bin/env node
// House-rule lint (STYLE.md): the checks a generic linter does not know about.
// `npm run lint` runs Biome first (biome.jsonc: what linters know, including
// focused and skipped tests), then this script:
// 1. Library code reads time and randomness only through the clock module.
// 2. No placeholder tests (`it.todo`): Biome's test rules do not cover them.
// 3. No import cycles between src/ folders' layers (foundations never import policies or the client).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
const problems = [];

const src = walk(join(root, 'src')).filter((f) => f.endsWith('.ts'));
const TIME = /\b(Date\.now|setTimeout|setInterval|performance\.now|Math\.random)\s*\(/;
for (const file of src) {
  const rel = relative(root, file);
  if (/clock/.test(rel)) continue; // the clock module is the one place allowed to touch the globals
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      // Strip comments and string literals: only code can call the globals.
      const code = line.replace(/\/\/.*$/, '').replace(/'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*"/g, "''");
      if (/^\s*\*/.test(line)) return;
      if (TIME.test(code) && !/globalThis\.setTimeout|clock\.setTimeout/.test(code)) {
        problems.push(`${rel}:${i + 1}: direct time/randomness call; use the injected clock or random source`);
      }
    });
}

const FOUNDATIONS = ['clock', 'errors', 'classify', 'events'];
for (const file of src) {
  const rel = relative(join(root, 'src'), file);
  const layer = rel.split('/')[0];
  if (!FOUNDATIONS.includes(layer)) continue;
  for (const m of readFileSync(file, 'utf8').matchAll(/from '\.\.\/([a-z-]+)\//g)) {
    if (!FOUNDATIONS.includes(m[1])) problems.push(`src/${rel}: foundation '${layer}' imports '${m[1]}' (layers point one way)`);
  }
}

const tests = walk(join(root, 'test')).filter((f) => /\.test(-d)?\.ts$/.test(f));
for (const file of tests) {
  const rel = relative(root, file);
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (/\b(it|test|describe)\.todo\b/.test(line)) {
        problems.push(`${rel}:${i + 1}: placeholder test (.todo)`);
      }
    });
}

if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`\nlint: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`lint: ${src.length} source files and ${tests.length} test files clean`);
