/**
 * `scan(textOrValue)`, the scanner's one entry point for other commands (README, Checks): a text is scanned as text
 * and its findings carry the path it came from; a value is scanned key by key. Findings never hold the credential.
 */
import { describe, expect, test } from 'vitest';
import { scan, scanText, scanValue } from '../../src/secrets/scan.js';

const url = 'postgresql://rucio:hunter2hunter2@db.example.org/rucio';

describe('scan', () => {
  test('a text: the text rules, at the given path, on their line', () => {
    const text = `first line\ndatabase = ${url}\n`;
    const found = scan(text, ['values.yaml']);
    expect(found.map((f) => [f.rule, f.line, f.path.join('.')])).toEqual([['url-password', 2, 'values.yaml']]);
    expect(found.map((f) => ({ ...f, path: [] }))).toEqual(scanText(text).map((f) => ({ ...f, path: [] })));
    expect(JSON.stringify(found)).not.toContain('hunter2');
  });

  test('a value: the same findings as scanValue, by key path', () => {
    const value = { config: { database: { default: url } }, harmless: 'https://rucio.example.org' };
    expect(scan(value, ['release'])).toEqual(scanValue(value, ['release']));
    expect(scan(value).map((f) => f.path.join('.'))).toEqual(['config.database.default']);
  });

  test('nothing to find: no findings', () => {
    expect(scan('plain text\n')).toEqual([]);
    expect(scan({ a: 1, b: ['x'] })).toEqual([]);
  });
});

describe('base64 over several lines', () => {
  const b64 = Buffer.from('https://admin:B64Hunter2@rucio.example.org').toString('base64');

  test('a base64 value on one line of a string is found, whatever the next line holds', () => {
    for (const text of [`line one\n${b64}\nline three`, `${b64}\nword`, `${b64}\r\nanotherwordthatislong\n`]) {
      const found = scanValue({ note: text });
      expect(found.map((f) => f.what)).toEqual(['a URL with a password (base64-encoded)']);
      expect(found[0]!.line).toBe(text.startsWith('line') ? 2 : 1);
    }
  });

  test('wrapped base64 (one value over several lines) is still decoded as a whole', () => {
    const wrapped = Buffer.from(`x=1\n${'y'.repeat(60)}\npassword=WrappedS3cr3t1\n`)
      .toString('base64')
      .replace(/(.{32})/g, '$1\n');
    expect(scanText(wrapped).map((f) => [f.what, f.line])).toEqual([
      ["a value assigned to a secret's name ('password') (base64-encoded)", 1],
    ]);
  });
});
