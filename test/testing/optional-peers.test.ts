// An optional peer dependency must not break type-checking for a user who does
// not use it. The entries such a user imports (the root, `/testing` for the fake
// clock, `/otel`) are compiled here with `skipLibCheck: false` by a compiler
// host that hides the optional peers, as if they were not installed.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PEERS = ['openai', '@anthropic-ai/sdk', '@opentelemetry/api', 'ioredis', 'ai', '@ai-sdk/provider'];
const hidden = (path: string) => PEERS.some((p) => path.replaceAll('\\', '/').includes(`/node_modules/${p}/`) || path.endsWith(`/node_modules/${p}`));

describe('optional peers are optional for type-checking too', () => {
  it('the root, llm-resilience/testing and llm-resilience/otel compile without openai, @anthropic-ai/sdk and @opentelemetry/api', () => {
    const config = ts.readConfigFile(`${root}tsconfig.json`, ts.sys.readFile.bind(ts.sys));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const options = { ...parsed.options, skipLibCheck: false, noEmit: true, types: ['node'] };
    const host = ts.createCompilerHost(options);
    const { fileExists, readFile, directoryExists } = host;
    host.fileExists = (f) => !hidden(f) && fileExists.call(host, f);
    host.readFile = (f) => (hidden(f) ? undefined : readFile.call(host, f));
    host.directoryExists = (d) => !hidden(`${d}/`) && (directoryExists?.call(host, d) ?? true);
    const program = ts.createProgram([`${root}test/testing/optional-peers/consumer.ts`], options, host);
    const missing = ts
      .getPreEmitDiagnostics(program)
      .map((d) => `${d.file?.fileName.slice(root.length) ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
      .filter((t) => PEERS.some((p) => t.includes(`'${p}'`)));
    expect(missing).toEqual([]);
  }, 300_000);
});
