#!/usr/bin/env node
import { systemClock } from '../clock/clock.js';
import { main } from './report.js';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, now: systemClock.now }).then((code) => {
  process.exitCode = code;
});
