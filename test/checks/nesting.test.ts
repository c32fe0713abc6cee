/**
 * The loader refuses nesting too deep to parse safely (the YAML parser runs out of memory at ~10,000 levels), before
 * parsing, without being fooled by brackets in quoted, plain or block scalars and comments.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { MAX_NESTING, nestingProblem, parseYaml } from '../../src/load/yaml-source.js';
import { ROOT } from './helpers.js';

test('the bundled files pass', () => {
  for (const f of ['_rucio', 'integration', 'production'])
    expect(nestingProblem(readFileSync(join(ROOT, 'environments', `${f}.yaml`), 'utf8'))).toBeUndefined();
});

test('flow nesting over the limit is refused at its line, at the limit accepted', () => {
  expect(nestingProblem(`a: ${'['.repeat(MAX_NESTING)}${']'.repeat(MAX_NESTING)}`)).toBeUndefined();
  expect(nestingProblem(`a: 1\nb: ${'['.repeat(MAX_NESTING + 1)}${']'.repeat(MAX_NESTING + 1)}`)?.line).toBe(2);
  expect(nestingProblem(`- ${'- '.repeat(10)}${'{a: '.repeat(70)}`)?.line).toBe(1);
});

test('brackets inside scalars and comments do not count', () => {
  const brackets = '['.repeat(100);
  expect(
    nestingProblem(
      `a: '${brackets}'\nb: "[[[\\"[[["\nc: x${brackets}\nd: it's ${brackets}\n# ${brackets}\ne: 1 # ${brackets}`,
    ),
  ).toBeUndefined();
  expect(nestingProblem(`s: |\n  ${brackets}\n  'unclosed\nt: >-\n  ${brackets}\nb: ${'{'.repeat(70)}`)?.line).toBe(6);
});

test('deep indentation is refused', () => {
  expect(nestingProblem(`a:\n${' '.repeat(300)}b: 1`)?.line).toBe(2);
});

test('parseYaml reports it as a file problem at the line for a million levels (the parser alone runs out of memory)', () => {
  const { problems } = parseYaml('deep.yaml', `name: x\nnamespace: ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}\n`);
  expect(problems.map((p) => p.format())).toEqual([
    `deep.yaml:2  invalid YAML: collections nested more than ${MAX_NESTING} levels deep: nesting this deep is not an environment file`,
  ]);
});

test('YAML errors the fuzzer met carry their line, and an unresolved alias is not called a bomb', () => {
  expect(parseYaml('f.yaml', 'name: x\nnamespace: a\nnamespace: b\n').problems.map((p) => p.format())).toEqual([
    'f.yaml:3  invalid YAML: a key appears twice in the same map: keep one',
  ]);
  expect(parseYaml('f.yaml', 'name: x\nnamespace: *nowhere\n').problems.map((p) => p.format())).toEqual([
    'f.yaml:2  invalid YAML: an alias refers to no anchor (the anchor must be set before the alias): nowhere: define the anchor (&name) before the alias',
  ]);
  const bomb = [
    'a0: &a0 [x, x, x, x, x, x, x, x, x]',
    ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`),
  ].join('\n');
  expect(parseYaml('f.yaml', bomb).problems.map((p) => p.format())).toEqual([
    'f.yaml  invalid YAML: too many YAML aliases (more than 100 expansions): write the values out',
  ]);
});

test('a stray quote inside a flow collection (garbage) does not hide deep nesting (found by the fuzzer, seed 7 case 334)', () => {
  const text = `a: {name: r7{4\u0016['\u00f1x, key: p}\nb: ${'{a: '.repeat(100_000)}1${'}'.repeat(100_000)}\n`;
  // No wall-clock assertion (speed is measured by `npm run bench`): a backtracking scan would not end within the
  // test's timeout.
  expect(nestingProblem(text)).toBeDefined();
  expect(parseYaml('f.yaml', text).problems).toHaveLength(1);
});

test('a map of 100,000 keys parses in linear time, and duplicate keys are still found', () => {
  const text = `a:\n${Array.from({ length: 100_000 }, (_, i) => `  k${i}: v\n`).join('')}  k5: again\n`;
  // No wall-clock assertion (speed is measured by `npm run bench`): the quadratic check this replaced took minutes
  // here, past the test's timeout.
  expect(parseYaml('f.yaml', text).problems.map((p) => p.format())).toEqual([
    'f.yaml:100002  invalid YAML: a key appears twice in the same map: keep one',
  ]);
  expect(parseYaml('f.yaml', 'a: {x: 1, y: 2, x: 3}\n').problems.map((p) => p.format())).toEqual([
    'f.yaml:1  invalid YAML: a key appears twice in the same map: keep one',
  ]);
});

test('a block sequence nested 3,000 deep on one line is a one-line file problem, not a stack overflow', () => {
  const { problems } = parseYaml('deep.yaml', `name: x\nnamespace: ${'- '.repeat(3000)}x\n`);
  expect(problems.map((p) => p.format())).toEqual([
    'deep.yaml:2  invalid YAML: block collections nested more than 64 levels deep on one line: nesting this deep is not an environment file',
  ]);
});
