/**
 * Prints the over-capacity workload of a seed as JSON (arrival ms and the latency draw of each
 * call), for bound.py: `npx tsx bench/incidents/bound-workload.ts --seed 1`.
 */
import { INCIDENTS } from './incidents.js';
import { FULL_MINUTES } from './incidents.js';
import { generateWorkload } from './workload.js';

const i = process.argv.indexOf('--seed');
const seed = Number(i >= 0 ? process.argv[i + 1] : 1);
const incident = INCIDENTS.find((x) => x.id === 'over-capacity')!;
// As runScenario seeds an incident's workload.
const incidentSeed = seed + (incident.workload ?? incident.id).split('').reduce((n, c) => (n * 31 + c.charCodeAt(0)) >>> 0, 7);
const tasks = generateWorkload(incident, FULL_MINUTES, incidentSeed);
process.stdout.write(JSON.stringify(tasks.map((t) => ({ a: t.arriveAt, z: t.calls.map((c) => c.latencyZ) }))));
