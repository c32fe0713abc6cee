/**
 * Issue 12, point 7: an operator's first run. `<command> --help` explains every option with its default, for every
 * command; an empty or comment-only environment file (or layer) is "empty file", named, exit 1.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli/main.js';
import { OPTIONS } from '../src/cli/options.js';
import { cleanup, cli, envCopy, readTree } from './helpers.js';

afterAll(cleanup);

describe('<command> --help', () => {
  const names = Object.keys(COMMANDS);

  it('covers every command the CLI has (the option table and the commands agree)', () => {
    expect(names.length).toBeGreaterThanOrEqual(9);
    expect(Object.keys(OPTIONS).sort()).toEqual([...names].sort());
  });

  for (const name of names) {
    it(`${name} --help explains every option and its default`, async () => {
      const r = await cli(name, '--help');
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`usage: rucio-gitops ${COMMANDS[name]!.usage}`);
      const lines = r.stdout.split('\n');
      const spec = OPTIONS[name as keyof typeof OPTIONS] as Record<string, { type: string; default?: unknown }>;
      for (const [option, s] of Object.entries(spec)) {
        const line = lines.find((l) => l.startsWith(`  --${option} `) || l === `  --${option}`);
        expect(line, `--${option} of ${name}`).toBeDefined();
        // What it does (words after the flag), then its default.
        expect(line!.replace(/^\s+--\S+(\s+\S+)?\s{2,}/, '').length, `--${option} of ${name}`).toBeGreaterThan(15);
        expect(line, `--${option} of ${name}`).toMatch(/\(default: [^)]+\)?$/);
        if (typeof s.default === 'string') expect(line).toContain(`(default: ${s.default})`);
        if (s.type === 'boolean') expect(line).toContain('(default: off)');
      }
      // Every option the usage line names is explained, and -h too.
      for (const flag of COMMANDS[name]!.usage.match(/--[a-z][a-z-]*/g) ?? []) {
        expect(
          lines.some((l) => l.startsWith(`  ${flag} `) || l === `  ${flag}`),
          `${flag} of ${name}`,
        ).toBe(true);
      }
      expect(lines.some((l) => l.startsWith('  -h, --help'))).toBe(true);
    });
  }

  it('-h is the same as --help, and an unknown option is still a usage error (exit 2)', async () => {
    expect((await cli('synth', '-h')).stdout).toBe((await cli('synth', '--help')).stdout);
    const bad = await cli('synth', '--hlep');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--hlep'");
  });
});

describe('an empty environment file', () => {
  for (const [what, text] of [
    ['no text at all', ''],
    ['only comments and blank lines', '# yaml-language-server: $schema=../values/environment.schema.json\n\n# todo\n'],
    ['only comments and blank lines', '---\n# nothing yet\n'],
  ] as const) {
    it(`says "empty file" naming it (${JSON.stringify(text)}), exit 1, nothing written`, async () => {
      const dir = envCopy();
      writeFileSync(join(dir, 'staging.yaml'), text);
      const before = readTree(dir);
      const r = await cli('synth', '--environments', dir, '--env', 'staging', '--out', join(dir, 'out'));
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `invalid environment 'staging' (1 problem):\n  ${join(dir, 'staging.yaml')}  empty file (${what}): an environment needs at least its name and namespace, e.g. 'name: staging' and 'namespace: rucio' (or 'extends:' a layer that sets the namespace)\n`,
      );
      expect(readTree(dir)).toEqual(before);
    });
  }

  it('an empty layer says so at the layer', async () => {
    const dir = envCopy({ '_rucio.yaml': '# emptied\n' });
    const r = await cli('validate', '--environments', dir, '--env', 'integration');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${join(dir, '_rucio.yaml')}  empty file (only comments and blank lines): a layer holds the keys the environments extending it share`,
    );
  });

  it('a file with one key is not empty (the counter-test)', async () => {
    const dir = envCopy();
    writeFileSync(join(dir, 'staging.yaml'), '# comment\nname: staging\n');
    const r = await cli('validate', '--environments', dir, '--env', 'staging');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('empty file');
    expect(r.stderr).toContain('namespace: required');
  });
});
