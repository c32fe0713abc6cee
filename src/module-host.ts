/**
 * How the running program imports and resolves modules that are chosen at run time (the Kubernetes and CRD models
 * the schema check loads per kind).
 *
 * The command's entry point (bin/rucio-gitops.js) installs its own host: the bundled command runs as a script in
 * which a dynamic `import()` is not available, and a module that located packages from its own file would look in
 * the bundle's folder. Everywhere else (tests, a library user) the default imports normally and resolves from the
 * working directory.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ResourceLimits, Worker } from 'node:worker_threads';

/** Imports and resolves module specifiers. */
export interface ModuleHost {
  import(specifier: string): Promise<unknown>;
  /** The file a specifier resolves to (as `require.resolve` does). */
  resolve(specifier: string): string;
  /**
   * Starts a worker thread running the compiled `src/checks/scan-worker.ts`; absent where the compiled code is not at
   * hand (tests, a library user), and then the scans run in the calling thread.
   */
  readonly startScanWorker?: (limits: ResourceLimits) => Worker;
  /**
   * Where parsed environment files are kept between commands (`load/parse-cache.ts`), and the stamp of the running
   * code that every entry's name includes; absent: no cache.
   */
  readonly parseCache?: { readonly dir: string; readonly stamp: string };
}

let host: ModuleHost = {
  import: (specifier) => import(specifier),
  resolve: (specifier) => createRequire(join(process.cwd(), 'index.js')).resolve(specifier),
};

/** Installs the entry point's host. */
export function setModuleHost(next: ModuleHost): void {
  host = next;
}

/** The current host. */
export function moduleHost(): ModuleHost {
  return host;
}
