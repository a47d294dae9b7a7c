import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { renderReport } from '../monitor/report.js';
import { type LoggedEvent, parseLogLine, replayLog } from '../monitor/replay.js';

export interface CliIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Current time, ms since the epoch: the end of the report period. */
  readonly now: () => number;
}

const USAGE = `Usage: llm-resilience report <events.jsonl> [--since 24h] [--format markdown|json]

Prints a report of a JSON Lines event log (written by createJsonlSink): health,
uptime, latency percentiles and error rates per model over the period, with the
trend versus the period before. Malformed lines are counted and skipped.

  --since <duration>   period length, e.g. 90m, 24h, 7d (default 24h)
  --format <format>    markdown (default) or json
`;

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90m` → 5_400_000; undefined when unreadable. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2]!]!;
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}

interface Args {
  file: string;
  sinceMs: number;
  format: 'markdown' | 'json';
}

function parseArgs(argv: readonly string[]): Args | string {
  const [command, ...rest] = argv;
  if (command !== 'report') return command === undefined ? 'missing command' : `unknown command "${command}"`;
  let file: string | undefined;
  let sinceMs = 86_400_000;
  let format: Args['format'] = 'markdown';
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? rest[++i];
    if (flag === '--since') {
      const v = value();
      const ms = v === undefined ? undefined : parseDuration(v);
      if (ms === undefined) return `--since: expected a duration such as 24h or 90m, received ${JSON.stringify(v ?? '')}`;
      sinceMs = ms;
    } else if (flag === '--format') {
      const v = value();
      if (v !== 'markdown' && v !== 'json') return `--format: expected markdown or json, received ${JSON.stringify(v ?? '')}`;
      format = v;
    } else if (a.startsWith('-')) return `unknown option ${a}`;
    else if (file === undefined) file = a;
    else return `unexpected argument ${JSON.stringify(a)}`;
  }
  if (file === undefined) return 'missing the event log file';
  return { file, sinceMs, format };
}

/** Reads the log line by line, so a large file is never held as one string. */
async function readLog(file: string, from: number): Promise<{ events: LoggedEvent[]; malformed: number }> {
  const events: LoggedEvent[] = [];
  let malformed = 0;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const e = parseLogLine(line);
    if (!e) malformed++;
    else if (e.timestamp > from) events.push(e); // older lines cannot matter to either period
  }
  return { events, malformed };
}

/**
 * The `llm-resilience` command. Returns the exit code: 0 on success, 1 when
 * the log cannot be read, 2 on a usage error.
 */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.stderr.write(`llm-resilience: ${args}\n\n${USAGE}`);
    return 2;
  }
  const now = io.now();
  let log: Awaited<ReturnType<typeof readLog>>;
  try {
    log = await readLog(args.file, now - 2 * args.sinceMs);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    io.stderr.write(`llm-resilience: cannot read ${args.file}${typeof code === 'string' ? ` (${code})` : ''}\n`);
    return 1;
  }
  const { unknownEvents, ...snap } = replayLog(log.events, { now, periodMs: args.sinceMs });
  const malformed = log.malformed + unknownEvents;
  io.stdout.write(renderReport({ ...snap, ...(malformed > 0 ? { malformedLines: malformed } : {}) }, { format: args.format }));
  if (malformed > 0) io.stderr.write(`llm-resilience: skipped ${malformed} malformed line(s)\n`);
  return 0;
}
