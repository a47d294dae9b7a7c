/** A child process of `npm run bench:incidents --jobs N`: runs the scenarios it is sent. */
import { serveJobs } from './pool.js';

serveJobs();
