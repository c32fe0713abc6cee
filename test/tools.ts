/**
 * The programs the end-to-end tests drive, and the one convention for a machine that lacks them: a test that needs a
 * program is skipped with a one-line reason naming the Debian package that provides it, unless
 * `RUCIO_GITOPS_REQUIRE_TOOLS=1` (set by `.ci/run`), where a missing program fails the test instead. A skipped test
 * never passes: it does not run at all, so a counter-test (the check can fail) cannot pass for want of its program.
 *
 *   describeWithTools(['haproxy'], 'haproxy -c accepts …', () => { it(…) });
 *   itWithTools(['promtool'], 'passes promtool check rules', () => { … });
 *
 * The skip reason is part of the suite or test name (`[skipped: haproxy not found: apt-get install haproxy]`), and
 * `test/summary-reporter.ts` prints each distinct reason once at the end of the run.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

/** Each program, the Debian package that provides it, and whether CI installs it (so `REQUIRE_TOOLS` requires it). */
export const TOOLS = {
  haproxy: { program: 'haproxy', debian: 'haproxy', required: true },
  promtool: { program: 'promtool', debian: 'prometheus', required: true },
  pushgateway: { program: 'prometheus-pushgateway', debian: 'prometheus-pushgateway', required: true },
  chromium: { program: 'chromium', debian: 'chromium', required: true },
  openssl: { program: 'openssl', debian: 'openssl', required: true },
  // Not in Debian's main archive (the Kubernetes apt repository ships it); CI does not install it, so never required.
  kubectl: { program: 'kubectl', debian: 'kubectl (from the Kubernetes apt repository)', required: false },
} as const;

export type Tool = keyof typeof TOOLS;

/** The environment variable that turns a missing program from a skip into a failure. */
export const REQUIRE_TOOLS = 'RUCIO_GITOPS_REQUIRE_TOOLS';

/** The executable file `program` names in the first of the PATH's folders that holds one (no shell involved). */
export function findOnPath(program: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, program);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether `program` is an executable file in one of the PATH's folders. */
export function onPath(program: string, path = process.env.PATH ?? ''): boolean {
  return findOnPath(program, path) !== undefined;
}

/** What to do with a test that needs `tools`: run it, skip it (with the reason) or fail it (with the reason). */
export type ToolDecision = { action: 'run' } | { action: 'skip' | 'fail'; reason: string };

export function toolDecision(
  tools: readonly Tool[],
  env: NodeJS.ProcessEnv = process.env,
  has: (program: string) => boolean = (p) => onPath(p, env.PATH ?? ''),
): ToolDecision {
  const missing = tools.map((t) => TOOLS[t]).filter((t) => !has(t.program));
  if (missing.length === 0) return { action: 'run' };
  const what = missing.map((t) => `${t.program} not found: apt-get install ${t.debian}`).join('; ');
  const require = env[REQUIRE_TOOLS] === '1' && missing.some((t) => t.required);
  return require
    ? { action: 'fail', reason: `${what} (${REQUIRE_TOOLS}=1 requires it)` }
    : { action: 'skip', reason: what };
}

const skipped = (name: string, reason: string) => `${name} [skipped: ${reason}]`;

/** A `describe` whose tests need `tools` (see the file comment). Its hooks run only when the programs exist. */
export function describeWithTools(tools: readonly Tool[], name: string, body: () => void): void {
  const d = toolDecision(tools);
  if (d.action === 'run') describe(name, body);
  else if (d.action === 'skip') describe.skip(skipped(name, d.reason), body);
  else
    describe(name, () => {
      it(`needs ${tools.join(', ')}`, () => {
        throw new Error(d.reason);
      });
    });
}

/** An `it` that needs `tools` (see the file comment). */
export function itWithTools(
  tools: readonly Tool[],
  name: string,
  fn: () => void | Promise<void>,
  timeout?: number,
): void {
  const d = toolDecision(tools);
  if (d.action === 'run') it(name, fn, timeout);
  else if (d.action === 'skip') it.skip(skipped(name, d.reason), fn);
  else
    it(name, () => {
      throw new Error(d.reason);
    });
}

/**
 * A `describe` whose tests need the checks' worker thread, which a run starts only on a machine with a second core
 * (src/checks/scan-pool.ts): on one core it is skipped, with the reason in its name, as a missing program is.
 */
export function describeWithSecondCore(name: string, body: () => void): void {
  if (availableParallelism() >= 2) describe(name, body);
  else describe.skip(skipped(name, 'one core: the checks worker thread runs only beside a second one'), body);
}
