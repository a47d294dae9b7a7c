/**
 * A short soak on the system clock, run in a child process by
 * test/soak/soak.test.ts. It never calls process.exit(): the test checks that
 * the process ends on its own once the calls have settled, i.e. the library
 * left nothing that holds the event loop open.
 *
 * argv: [dispose: 'dispose' | 'keep'] — with 'keep' the client is not even disposed.
 */
import { systemClock } from '../../src/clock/clock.js';
import { runSoak } from './soak-scenario.js';

const dispose = process.argv[2] !== 'keep';

// While calls are in flight, something must hold the loop open, as a socket to
// the provider would: the system clock unrefs every library timer.
const keepAlive = setInterval(() => {}, 1_000);
let finished = false;

void runSoak({
  calls: 400,
  concurrency: 40,
  seed: 7,
  clock: systemClock,
  scale: 0.002, // 20–800 ms of provider latency becomes 1–2 ms
  callerAbortRate: 0.02,
  dispose,
  drive: (done) =>
    new Promise<void>((resolve) => {
      const poll = () => (done() ? resolve() : setImmediate(poll));
      poll();
    }),
}).then((report) => {
  finished = true;
  clearInterval(keepAlive);
  // Library-owned handles still open would show here (unref'd ones excepted: they cannot hold the loop).
  const resources = process.getActiveResourcesInfo().filter((r) => !/TTYWrap|PipeWrap|FSReqCallback|ProcessWrap/.test(r));
  process.stdout.write(`${JSON.stringify({ report, resources, settledAt: Date.now() })}\n`);
});

process.on('beforeExit', () => {
  if (!finished) process.stdout.write('{"error":"event loop emptied before the soak finished"}\n');
});
