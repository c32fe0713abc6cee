/**
 * A cache of environment files that parsed and checked clean, by content: a command that reads a file it read before
 * (the same text) takes its parsed values and key lines from the cache instead of parsing the YAML again and running
 * the credential and control-character scans of the file. Parsing is most of loading (the yaml library's code runs
 * cold in a short process: ~60 % of a synth's load phase for the bundled environments).
 *
 * An entry is named by the SHA-256 of the cache's format, the running code's stamp (the entry point gives the time of
 * the bundle or compiled tree, and the Node version), and the file's text: another text, another build, another Node
 * never meet an entry made for something else. Only a file that parsed without a problem and whose own scans found
 * nothing is kept, so a hit means "this text is clean"; a file with a problem is parsed and reported every time.
 * Entries are V8-serialized (the values exactly as parsed: key order, numbers, nulls), written to a temporary file and
 * renamed, so concurrent commands see a whole entry or none; one that does not read back as an entry is ignored and
 * replaced. The folder holds at most `MAX_ENTRIES` entries (the oldest go first).
 *
 * The entry point (bin/rucio-gitops.js) turns it on, in .build/cache/parse/ beside the build that it belongs to (a
 * build empties .build/cache/), or in the folder `RUCIO_GITOPS_PARSE_CACHE` names; `RUCIO_GITOPS_PARSE_CACHE=off`
 * turns it off. Without the entry point (tests in process, a library user) there is no cache. The folder is trusted as
 * the code is: an entry is taken for the text it is named after without parsing that text again, so a folder that
 * someone else can write (a CI cache another branch fills) could put values into the output that no file holds.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { moduleHost } from '../module-host.js';

/** The format of an entry; part of every name. */
const FORMAT = 'rucio-gitops parse cache 1';
/** Entries kept; beyond, the oldest are removed when an entry is written. */
export const MAX_ENTRIES = 256;

/** What a file's entry holds: its parsed values and the line of each key path (see `YamlSource`). */
export interface CachedSource {
  readonly data: unknown;
  readonly lines: ReadonlyMap<string, number>;
}

/** Hits and misses of this process (printed with `RUCIO_GITOPS_TIMINGS=1`). */
export const parseCacheStats = { hits: 0, misses: 0, written: 0 };

function where(text: string): string | undefined {
  const cache = moduleHost().parseCache;
  if (cache === undefined) return undefined;
  const name = createHash('sha256')
    .update(`${FORMAT}\0${cache.stamp}\0${process.version}\0`)
    .update(text)
    .digest('hex');
  return join(cache.dir, name);
}

/** The entry of a file's text, when there is a whole one. */
export function cachedSource(text: string): CachedSource | undefined {
  const file = where(text);
  if (file === undefined) return undefined;
  try {
    const entry = deserialize(readFileSync(file)) as { format?: unknown; data?: unknown; lines?: unknown };
    if (
      entry?.format === FORMAT &&
      entry.data !== null &&
      typeof entry.data === 'object' &&
      Array.isArray(entry.lines) &&
      entry.lines.every((l) => Array.isArray(l) && typeof l[0] === 'string' && typeof l[1] === 'number')
    ) {
      parseCacheStats.hits++;
      return { data: entry.data, lines: new Map(entry.lines as [string, number][]) };
    }
  } catch {
    // No entry, or one that is not whole: parse.
  }
  parseCacheStats.misses++;
  return undefined;
}

/** Keeps the parse of a file that parsed and checked clean. Failing to write (a read-only install) changes nothing. */
export function rememberSource(text: string, source: CachedSource): void {
  const file = where(text);
  if (file === undefined) return;
  const dir = join(file, '..');
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temp, serialize({ format: FORMAT, data: source.data, lines: [...source.lines] }));
    renameSync(temp, file);
    parseCacheStats.written++;
    prune(dir);
  } catch {
    rmSync(temp, { force: true });
  }
}

/** Removes the oldest entries beyond `MAX_ENTRIES` (and temporary files a killed command left). */
function prune(dir: string): void {
  const names = readdirSync(dir);
  if (names.length <= MAX_ENTRIES) return;
  const aged: { path: string; time: number }[] = [];
  for (const n of names) {
    const path = join(dir, n);
    try {
      aged.push({ path, time: statSync(path).mtimeMs });
    } catch {
      // removed meanwhile
    }
  }
  aged.sort((a, b) => a.time - b.time);
  for (const { path } of aged.slice(0, aged.length - MAX_ENTRIES)) rmSync(path, { force: true });
}
