/**
 * The entry of the worker thread that runs the checks' per-file scans (`scan-pool.ts`). bin/bundle.js bundles it on
 * its own (.build/bundle/scan-worker.cjs), so that a worker loads the scanner and nothing else.
 */
import { parentPort } from 'node:worker_threads';
import { serveScans } from './scan-pool.js';

if (parentPort !== null) serveScans(parentPort);
