/**
 * Writes a review (markdown, HTML, SVG) to a file for CI: atomically (a temporary file beside it, then renamed), so
 * a job that stops half way leaves no half-written artifact behind.
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../load/problems.js';

export function writeReportFile(file: string, text: string): void {
  if (existsSync(file) && statSync(file).isDirectory())
    throw new UserError(`${file} is a folder: --out, --html and --svg name the file to write the review to`);
  if (!existsSync(dirname(file)) || !statSync(dirname(file)).isDirectory())
    throw new UserError(`cannot write ${file}: the folder ${dirname(file)} does not exist`);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code !== 'string') throw e;
    throw new UserError(`cannot write ${file} (${err.code})`);
  }
}
