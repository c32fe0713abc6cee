/**
 * Whether the headless-browser tests can run: Debian's `chromium` on the PATH. Missing, they are skipped with the
 * reason naming the package, and fail instead when RUCIO_GITOPS_REQUIRE_TOOLS=1 (set by `.ci/run`).
 */
import { findOnPath } from '../tools.js';

export type BrowserDecision = { action: 'run'; path: string } | { action: 'skip' | 'fail'; reason: string };

export function browserDecision(
  env: NodeJS.ProcessEnv = process.env,
  programs: readonly string[] = ['chromium'],
): BrowserDecision {
  for (const program of programs) {
    const path = findOnPath(program, env.PATH ?? '');
    if (path !== undefined) return { action: 'run', path };
  }
  const reason = 'chromium not found: apt-get install chromium';
  return env.RUCIO_GITOPS_REQUIRE_TOOLS === '1'
    ? { action: 'fail', reason: `${reason} (RUCIO_GITOPS_REQUIRE_TOOLS=1 requires it)` }
    : { action: 'skip', reason };
}
