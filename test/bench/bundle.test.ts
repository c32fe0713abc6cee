/**
 * The bundle bin/bundle.js makes (.build/bundle/cli.cjs, built by `npm test` before the tests run): ASCII only (V8 keeps
 * it as one byte per character), one copy of the yaml library (cdk8s ships its own, of the same version), and of
 * ajv-i18n only the English messages the Kubernetes models use, which still read as ajv-i18n's.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

const bundle = join(REPO, '.build', 'bundle', 'cli.cjs');
const worker = join(REPO, '.build', 'bundle', 'scan-worker.cjs');

describe('the bundle', () => {
  const text = readFileSync(bundle, 'utf8');

  it('is ASCII only, as is the worker', () => {
    for (const file of [bundle, worker]) {
      const t = readFileSync(file, 'utf8');
      const at = t.search(/\P{ASCII}/u);
      expect(at, `${file}: ${JSON.stringify(t.slice(Math.max(0, at - 60), at + 20))}`).toBe(-1);
    }
  });

  it('holds one copy of the yaml library and no ajv-i18n language but English', () => {
    expect(text.match(/^\/\/ node_modules\/.*yaml\/dist\/public-api\.js$/gm)).toEqual([
      '// node_modules/yaml/dist/public-api.js',
    ]);
    expect(text.match(/^\/\/ node_modules\/ajv-i18n\/.*$/gm)).toEqual([
      '// node_modules/ajv-i18n/localize/en/index.js',
    ]);
  });
});

it("bin/ajv-i18n-en.cjs gives ajv-i18n's English messages", () => {
  const require = createRequire(join(REPO, 'package.json'));
  const stand = require(join(REPO, 'bin', 'ajv-i18n-en.cjs')) as { en: (errors: object[]) => void };
  const full = require('ajv-i18n') as { en: (errors: object[]) => void };
  expect(stand.en).toBe(full.en);
  const errors = [{ keyword: 'required', params: { missingProperty: 'name' }, message: '' }];
  stand.en(errors);
  expect(errors[0]!.message).toBe('must have required property name');
});
