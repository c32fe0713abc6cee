/**
 * The scanner remembers the text rules' results for short strings it saw before (keys and values repeat across the
 * objects of a run). A remembered result must be the same as a fresh one, reported at the path where each copy is.
 */
import { describe, expect, test } from 'vitest';
import { scanValue } from '../../src/secrets/scan.js';

const url = 'postgresql://rucio:hunter2hunter2@db.example.org/rucio';

describe('remembered strings', () => {
  test('the same credential in two places is reported at each path, every time it is scanned', () => {
    const value = {
      a: { env: [{ name: 'DB', value: url }] },
      b: { list: ['plain', url], [url]: 'x' },
    };
    const first = scanValue(value, ['root']);
    const second = scanValue(value, ['root']);
    expect(second).toEqual(first);
    expect(first.map((f) => [f.rule, f.in, f.path.join('.')])).toEqual([
      ['url-password', 'value', 'root.a.env.0.value'],
      ['url-password', 'key', `root.b.${url}`],
      ['url-password', 'value', 'root.b.list.1'],
    ]);
  });

  test('a name judged before is judged the same under another value', () => {
    expect(scanValue({ dbpassword: 'hunter2hunter2' }).map((f) => f.rule)).toEqual(['secret-name']);
    expect(scanValue({ dbpassword: '${DB_PASSWORD}' })).toEqual([]);
    expect(scanValue({ dbpassword: 'another-one-42' }).map((f) => f.rule)).toEqual(['secret-name']);
  });

  test('long strings (not remembered) are scanned as short ones are', () => {
    const long = `${'x'.repeat(5000)} ${url}`;
    expect(scanValue({ a: long, b: long }).map((f) => f.path.join('.'))).toEqual(['a', 'b']);
  });
});
