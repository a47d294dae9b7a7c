// The documented wrapper forms compile in a user's strict project
// (`exactOptionalPropertyTypes: true`). Only the consumer file's own
// diagnostics count: the library's sources are not compiled under that flag,
// users read its .d.ts.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const file = `${root}test/providers/strict-consumer/consumer.ts`;

describe('wrappers in a project with exactOptionalPropertyTypes', () => {
  it('runOptions returning undefined fields, withRunOptions and `resilience` type-check', () => {
    const config = ts.readConfigFile(`${root}tsconfig.json`, ts.sys.readFile.bind(ts.sys));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const program = ts.createProgram([file], { ...parsed.options, exactOptionalPropertyTypes: true, noEmit: true });
    const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(file));
    const text = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(text).toEqual([]);
  }, 120_000);
});
