/**
 * The smuggling corpus (test/secrets/smuggling-corpus.yaml): every variant is refused by `validate` with exit 1, the
 * file, line and key, and without printing the secret; the non-secret corpus, the bundled environments and the
 * committed dist/ pass the scanner untouched.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { scanText, scanValue } from '../../src/secrets/scan.js';
import { copyEnvironments, edit, ROOT, run } from '../checks/helpers.js';

interface Variant {
  readonly id: string;
  readonly class: string;
  readonly file: string;
  readonly key: string;
  readonly secret: string;
  readonly after?: string;
  readonly insert?: string;
  readonly indent?: number;
  readonly replace?: string;
  readonly with?: string;
  readonly line: number;
}

const corpus = parse(readFileSync(join(import.meta.dirname, 'smuggling-corpus.yaml'), 'utf8')) as Variant[];
const clean = parse(readFileSync(join(import.meta.dirname, 'non-secret-corpus.yaml'), 'utf8')) as {
  key: string;
  value: string;
}[];

/** Applies a variant to a fresh copy of the environments; returns the folder and the 1-based line expected. */
function apply(v: Variant): { dir: string; line: number } {
  const dir = copyEnvironments();
  let line = 0;
  edit(dir, v.file, (text) => {
    const anchor = `${v.after ?? v.replace}\n`;
    const at = text.indexOf(anchor);
    if (at < 0 || text.indexOf(anchor, at + 1) >= 0) throw new Error(`${v.id}: anchor not found once in ${v.file}`);
    const before = text.slice(0, at).split('\n').length; // line of the anchor
    if (v.insert !== undefined) {
      const pad = ' '.repeat(v.indent ?? 0);
      const inserted = v.insert
        .split('\n')
        .map((l) => (l === '' ? l : pad + l))
        .join('\n');
      line = before + anchor.split('\n').length - 1 + v.line;
      return text.slice(0, at + anchor.length) + inserted + text.slice(at + anchor.length);
    }
    line = before + v.line;
    return text.slice(0, at) + `${v.with}\n` + text.slice(at + anchor.length);
  });
  return { dir, line };
}

describe('smuggling corpus', () => {
  test('has at least 60 variants covering every class of the issue', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    expect(new Set(corpus.map((v) => v.class))).toEqual(
      new Set([
        'secret-name',
        'annotation-key',
        'key-credential',
        'database-url',
        'flux-url',
        'authorization',
        'base64',
        'key-block',
        'cloud-key',
        'free-text',
        'layers',
        'multi-line',
        'comment',
      ]),
    );
    expect(new Set(corpus.map((v) => v.id)).size).toBe(corpus.length);
  });

  test.each(corpus.map((v) => [v.id, v] as const))('%s is refused at its file, line and key', async (_, v) => {
    const { dir, line } = apply(v);
    const r = await run(['validate', '--environments', dir]);
    expect(r.code, r.stderr).toBe(1);
    const where = `${v.file}:${line}  ${v.key === '' ? '' : `${v.key}: `}holds `;
    const lines = r.stderr.split('\n').filter((l) => l.includes('in plain text'));
    expect(
      lines.some((l) => l.includes(where)),
      `expected '${where}' in:\n${r.stderr}`,
    ).toBe(true);
    expect(r.stderr).not.toContain(v.secret);
    expect(r.stdout).not.toContain(v.secret);
  });
});

describe('non-secret corpus', () => {
  test.each(clean.map((c) => [c.key, c.value] as const))('%s: %s passes', (key, value) => {
    expect(scanValue({ [key]: value })).toEqual([]);
    expect(scanText(`${key}: ${JSON.stringify(value)}\n`, { yaml: true })).toEqual([]);
  });

  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((e) => {
      const full = join(dir, e);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });

  test('the bundled environments and the committed dist/ pass, as text and as values', () => {
    const found: string[] = [];
    for (const file of [...walk(join(ROOT, 'environments')), ...walk(join(ROOT, 'dist'))]) {
      const text = readFileSync(file, 'utf8');
      const yaml = file.endsWith('.yaml');
      for (const f of scanText(text, { yaml })) found.push(`${file}:${f.line} ${f.what}`);
      if (yaml) for (const f of scanValue(parse(text))) found.push(`${file} ${f.path.join('.')} ${f.what}`);
    }
    expect(found).toEqual([]);
  });
});
