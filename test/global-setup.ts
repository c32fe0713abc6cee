/**
 * vitest's global setup: the whole run (its workers, and every process they start) makes its temporary folders in a
 * folder of its own (TMPDIR), removed when the run ends, so that no test leaves anything in the system's temporary
 * folder, including a test that fails or is stopped before its own clean-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'rucio-gitops-tests-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
