/**
 * The true floor of a synth, run as its own process by `npm run bench`: what any tool must do to turn the same
 * environment files into the same output, and nothing else. It parses every environment file of a folder with the
 * `yaml` library, then writes the same files with the same bytes as synth wrote (read from one pack file that the
 * benchmark made from a synth's output), one `writeFileSync` per file, creating each folder once.
 *
 *   node .build/bench/floor.js ENVIRONMENTS PACK OUT
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

/** The pack: `<path>\0<length>\0<text>` repeated, with lengths in UTF-16 code units. */
export function packFiles(files: readonly { path: string; text: string }[]): string {
  return files.map((f) => `${f.path}\0${f.text.length}\0${f.text}`).join('');
}

function unpackFiles(pack: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  let at = 0;
  while (at < pack.length) {
    const a = pack.indexOf('\0', at);
    const b = pack.indexOf('\0', a + 1);
    const length = Number(pack.slice(a + 1, b));
    out.push({ path: pack.slice(at, a), text: pack.slice(b + 1, b + 1 + length) });
    at = b + 1 + length;
  }
  return out;
}

function floor(environments: string, pack: string, out: string): { parsed: number; written: number } {
  let parsed = 0;
  for (const f of readdirSync(environments).sort()) {
    if (!f.endsWith('.yaml')) continue;
    if (parse(readFileSync(join(environments, f), 'utf8')) !== undefined) parsed++;
  }
  const files = unpackFiles(readFileSync(pack, 'utf8'));
  const made = new Set<string>();
  for (const f of files) {
    const path = join(out, f.path);
    const dir = dirname(path);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(path, f.text);
  }
  return { parsed, written: files.length };
}

if (process.argv[1]?.endsWith('floor.js') && process.argv.length === 5) {
  const [environments, pack, out] = process.argv.slice(2) as [string, string, string];
  const r = floor(environments, pack, out);
  process.stdout.write(`floor: parsed ${r.parsed} environment files, wrote ${r.written} files\n`);
}
