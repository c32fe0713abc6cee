/**
 * The per-file scans skip the text rules over a text made from the object (`scanFile(…, made = true)`), since the
 * structural scan already ran them over every key and string of that object. These tests back that up: wherever the
 * text rules find something in `objectText(object)`, the structural scan of the object finds something too, for
 * credentials planted in every position a writer treats differently (plain, quoted, escaped, block, key, list, JSON
 * text) and for thousands of random objects built from fragments of credentials, so that a credential split between
 * neighbouring keys and values is tried. And a text given with the object is still scanned.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { scanFile } from '../../src/checks/file-scan.js';
import { scanText, scanValue } from '../../src/secrets/scan.js';
import type { KubeObject } from '../../src/synth/files.js';
import { objectText } from '../../src/synth/object-text.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { renderEnvironments } from '../../src/synth/render.js';

const configMap = (data: unknown): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'rucio' }, data }) as KubeObject;

/** What each scan finds: the text rules over the made text, and the structural scan of the object. */
function both(object: KubeObject): { text: number; values: number } {
  return { text: scanText(objectText(object), { yaml: true }).length, values: scanValue(object).length };
}

/**
 * The credentials of the smuggling corpus that the text rules know on their own (the others are credentials only by
 * the name of their key), and a few more shapes, all made up (hosts under example.org).
 */
const CREDENTIALS: readonly string[] = [
  ...new Set(
    (parse(readFileSync(join(import.meta.dirname, '../secrets/smuggling-corpus.yaml'), 'utf8')) as { secret: string }[])
      .map((v) => String(v.secret))
      .filter((s) => scanText(s).length > 0),
  ),
  'oracle://rucio:s3cr3t@db.example.org:1521/RUCIO',
  'https://admin:hunter2@rucio.example.org',
  `https://x-access-token:ghp_${'a'.repeat(36)}@github.com/org/repo`,
  '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lg\n-----END RSA PRIVATE KEY-----\n',
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'Authorization: Basic cnVjaW86QmFzaWNTM2NyM3Q=',
  'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyb290In0.c2lnbmF0dXJlX2hlcmU',
  `glpat-${'x'.repeat(20)}`,
  `ghp_${'A1b2'.repeat(9)}`,
  'jdbc:oracle:thin:rucio/JdbcPw01@db.example.org:1521/RUCIO',
  'Server=db.example.org;Uid=rucio;Pwd=OdbcPw01;',
  'https://rucio.example.org/x?user=rucio&password=QryPw0001',
];

/** The ways a writer places a string: each wraps a credential so that it is written plain, quoted or as a block. */
const PLACEMENTS: readonly ((c: string) => unknown)[] = [
  (c) => ({ note: c }),
  (c) => ({ [c]: 'x' }),
  (c) => ({ list: ['a', c, 'b'] }),
  (c) => ({ nested: { deeper: [{ k: c }] } }),
  (c) => ({ quoted: `'${c}"` }),
  (c) => ({ hash: `# ${c}` }),
  (c) => ({ colon: `x: ${c}` }),
  (c) => ({ lead: `  ${c}  ` }),
  (c) => ({ block: `line one\n${c}\nline three\n` }),
  (c) => ({ blockNoEnd: `line one\n  ${c}` }),
  (c) => ({ tabbed: `\t${c}\t` }),
  (c) => ({ unicode: `ünïcødé ${c} ✓` }),
  (c) => ({ control: `\u0007${c}\u0001` }),
  (c) => ({ json: JSON.stringify({ a: 1, b: [c] }) }),
  (c) => ({ jsonKey: JSON.stringify({ [c]: true }) }),
  (c) => ({ env: [{ name: 'SOMETHING', value: c }] }),
];

describe('the text made from an object holds no credential that its structural scan misses', () => {
  test('the corpus holds enough credentials the text rules know', () => {
    expect(CREDENTIALS.length).toBeGreaterThanOrEqual(25);
  });

  test.each(CREDENTIALS.map((c) => [c]))('%j, in every placement', (credential) => {
    for (const [i, place] of PLACEMENTS.entries()) {
      const found = both(configMap(place(credential)));
      // Found by the structural scan wherever it is placed (so also wherever the text rules would find it).
      expect(found.values, `placement ${i}`).toBeGreaterThan(0);
    }
  });

  test('random objects built from fragments of credentials: text findings imply structural ones', () => {
    // Pieces that join into credentials when written next to each other: a URL split at its password, a key block
    // split from its name, a header from its token, base64 split across values.
    const pieces = [
      'https://',
      'rucio',
      'admin:',
      'hunter2',
      '@db.example.org',
      ':',
      '/',
      '-----BEGIN',
      ' RSA PRIVATE KEY-----',
      'PRIVATE KEY-----',
      'ghp_',
      'A1b2A1b2A1b2A1b2A1b2A1b2A1b2A1b2A1b2',
      'glpat-',
      'xxxxxxxxxxxxxxxxxxxx',
      'Authorization',
      'Basic ',
      'Bearer ',
      'cnVjaW86',
      'QmFzaWNTM2NyM3Q=',
      'eyJhbGciOiJIUzI1NiJ9',
      '.eyJzdWIiOiJyb290In0',
      '.c2lnbmF0dXJlX2hlcmU',
      'password',
      'passwd',
      'token',
      '=',
      '&',
      '?',
      ';',
      ' ',
      '\n',
      '\t',
      '#',
      '"',
      "'",
      '- ',
      '{',
      '}',
      '[',
      ']',
      'AKIA',
      'Q3EGRUCIO7EXAMPL',
      'jdbc:oracle:thin:',
      'value',
      'name',
      '0123456789abcdef',
    ];
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;
    const str = () => Array.from({ length: 1 + (next() % 4) }, () => pick(pieces)).join('');
    const value = (depth: number): unknown => {
      const r = next() % 10;
      if (depth > 2 || r < 5) return str();
      if (r < 7) return Array.from({ length: 1 + (next() % 3) }, () => value(depth + 1));
      if (r < 8) return { name: str(), value: str() };
      return Object.fromEntries(Array.from({ length: 1 + (next() % 3) }, () => [str(), value(depth + 1)]));
    };
    let textFound = 0;
    for (let n = 0; n < 3000; n++) {
      const object = configMap(value(0));
      const found = both(object);
      if (found.text > 0) {
        textFound++;
        expect(found.values, objectText(object)).toBeGreaterThan(0);
      }
    }
    // The fragments do make credentials the text rules find (else the loop would prove nothing).
    expect(textFound).toBeGreaterThan(300);
  });

  test('the bundled environments: every object clean both ways', () => {
    const objects = renderEnvironments(loadEnvironments('environments')).flatMap((f) =>
      f.object === undefined ? [] : [f.object],
    );
    expect(objects.length).toBeGreaterThan(100);
    for (const o of objects) expect(both(o)).toEqual({ text: 0, values: 0 });
  });
});

describe('scanFile', () => {
  const object = configMap({ a: 'b' });
  const given = `${objectText(object)}# https://admin:hunter2@rucio.example.org\n`;

  test('scans a text given with the object (it may hold what the object does not)', () => {
    expect(scanFile(object, given, true).text.map((f) => [f.what, f.line])).toEqual([
      ['a URL with a password', given.split('\n').length - 1],
    ]);
  });

  test('leaves out the text rules over a text made from the object, and keeps the structural scan', () => {
    expect(scanFile(object, objectText(object), true, true).text).toEqual([]);
    const leaking = configMap({ url: 'https://admin:hunter2@rucio.example.org' });
    const scan = scanFile(leaking, objectText(leaking), true, true);
    expect(scan.text).toEqual([]);
    expect(scan.values.map((f) => f.what)).toEqual(['a URL with a password']);
  });

  test('a file that is not an object is scanned as text, made or not', () => {
    const text = 'server a https://admin:hunter2@rucio:443\n';
    expect(scanFile(undefined, text, false, true).text).toHaveLength(1);
  });
});
