/**
 * `npm run demo`: the library against a scripted fake provider on a fake
 * clock. Offline, no API key, a fraction of a second of real time.
 *
 * Each section is an async function of the shared {@link Demo}; later
 * features (budgets, the monitor report, a streamed call) add one file in
 * examples/demo/ and one entry in SECTIONS.
 */
import { degradeAndRecover } from './demo/degrade-and-recover.js';
import { createDemo, type Demo } from './demo/harness.js';

const SECTIONS: readonly ((demo: Demo) => Promise<void>)[] = [degradeAndRecover];

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--dashboard')) {
    console.log('dashboard not available yet: running the demo in the terminal only\n');
  }
  console.log('llm-resilience demo: a scripted provider on a fake clock (no network, no API key)');
  const demo = createDemo();
  for (const section of SECTIONS) await section(demo);
  demo.finish();
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
