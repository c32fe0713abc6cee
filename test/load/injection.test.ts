/**
 * No injection into generated config files (issue #11, point 3). The schemas are walked to find every string field of
 * an environment (haproxy, filebeat, probes, pushgateway, flux, monitoring, and every server and daemons release with
 * its rucio.cfg options and daemon arguments); a line break, a carriage return and a control character are injected
 * into each, and `validate` must refuse every one of them, naming its key. Not a hand-written list: a field added to
 * a schema is tested without touching this file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import type { z } from 'zod';
import { defOf } from '../../src/load/zod-issues.js';
import { environmentSchema } from '../../values/environment.js';
import { copyEnvironments, edit, run } from '../checks/helpers.js';

type Path = (string | number)[];

/** The paths of every free string field below `schema` (records get a sample key, lists their first item). */
function stringFields(schema: z.ZodType, path: Path = [], depth = 0): Path[] {
  if (depth > 16) return [];
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return [path];
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return stringFields(def.innerType!, path, depth);
    case 'pipe': {
      // z.preprocess is a pipe from a transform: the fields are those of its output
      const input = stringFields(def.in!, path, depth);
      return input.length > 0 ? input : stringFields(def.out!, path, depth);
    }
    case 'lazy':
      return stringFields(def.getter!(), path, depth + 1);
    case 'union': {
      // A field that may be a string is tested as one; otherwise the fields of its first object form.
      const options = def.options!;
      if (options.some((o) => stringFields(o, [], depth + 1).some((p) => p.length === 0))) return [path];
      const object = options.find((o) => stringFields(o, [], depth + 1).length > 0);
      return object ? stringFields(object, path, depth + 1) : [];
    }
    case 'intersection':
      return [...stringFields(def.left!, path, depth + 1), ...stringFields(def.right!, path, depth + 1)];
    case 'object':
      return Object.entries(def.shape!).flatMap(([k, v]) => stringFields(v, [...path, k], depth + 1));
    case 'record':
      return stringFields(def.valueType!, [...path, 'x1'], depth + 1);
    case 'array':
      return stringFields(def.element!, [...path, 0], depth + 1);
    default:
      return [];
  }
}

function setPath(root: Record<string, unknown>, path: Path, value: unknown): void {
  let cur: Record<string | number, unknown> = root;
  path.forEach((step, i) => {
    if (i === path.length - 1) {
      cur[step] = value;
      return;
    }
    const next = path[i + 1];
    cur[step] ??= typeof next === 'number' ? [] : {};
    cur = cur[step] as Record<string | number, unknown>;
  });
}

const MULTILINE_PARENTS = new Set(['podAnnotations', 'deploymentAnnotations', 'annotations']);

/** Top-level sections of an environment whose string fields the test injects into. */
const SECTIONS = ['haproxy', 'filebeat', 'probes', 'pushgateway', 'flux', 'monitoring', 'autoscaling', 'policy'];

const all = stringFields(environmentSchema);

describe('the schema walk', () => {
  test('finds the string fields of every section and release, haproxy.log included', () => {
    const keys = all.map((p) => p.join('.'));
    expect(keys).toContain('haproxy.log');
    expect(keys).toContain('servers.x1.config.x1.x1');
    expect(keys.some((k) => k.startsWith('daemons.x1.conveyorTransferSubmitter.activities'))).toBe(true);
    expect(keys).toContain('filebeat.fields.x1');
    expect(all.length).toBeGreaterThan(200);
  });
});

const INJECTIONS = [
  { name: 'a line break', text: 'ok\nlisten evil\n  bind :1', multiline: false },
  { name: 'a carriage return', text: 'ok\rx', multiline: true },
  { name: 'a control character', text: 'ok\u0007x', multiline: true },
] as const;

const groups = [
  ...SECTIONS.map((s) => ({ name: s, paths: all.filter((p) => p[0] === s) })),
  { name: 'servers', paths: all.filter((p) => p[0] === 'servers') },
  { name: 'daemons', paths: all.filter((p) => p[0] === 'daemons') },
  { name: 'common', paths: all.filter((p) => p[0] === 'common') },
].filter((g) => g.paths.length > 0);

describe('every string field refuses line breaks and control characters', () => {
  test.each(groups.flatMap((g) => INJECTIONS.map((i) => [g.name, i.name, g, i] as const)))(
    '%s: %s',
    async (_, __, group, injection) => {
      const dir = mkdtempSync(join(tmpdir(), 'rucio-gitops-inject-'));
      const doc: Record<string, unknown> = { name: 'inj', namespace: 'rucio' };
      // Annotation values may span lines (they only reach YAML): a line break is not injected there.
      const paths = group.paths.filter(
        (p) => injection.multiline || !MULTILINE_PARENTS.has(String(p[p.length - 2] ?? '')),
      );
      for (const p of paths) setPath(doc, p, injection.text);
      writeFileSync(join(dir, 'inj.yaml'), stringify(doc));
      const r = await run(['validate', '--environments', dir]);
      expect(r.code).toBe(1);
      const missing = paths
        .map((p) => p.join('.'))
        .filter((key) => !new RegExp(`inj\\.yaml:\\d+ {2}${escape(key)}: contains ${injection.name}`).test(r.stderr));
      expect(missing, r.stderr.slice(0, 2000)).toEqual([]);
      expect(r.stderr).not.toContain('listen evil');
    },
  );
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('messages', () => {
  test("haproxy.log with a line break (the issue's injection) is refused at its line, without echoing it", async () => {
    const dir = copyEnvironments();
    edit(dir, 'integration.yaml', (t) =>
      t.replace(
        'haproxy:\n  service:\n',
        'haproxy:\n  log: "stdout local0\\nlisten evil\\n  bind :9999"\n  service:\n',
      ),
    );
    const r = await run(['validate', '--environments', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /integration\.yaml:\d+ {2}haproxy\.log: contains a line break \(U\+000A\) at character 14: values are written into line-oriented files/,
    );
    expect(r.stderr).not.toContain('listen evil');
  });

  test('a block scalar with its final line break gets the hint to use |-', async () => {
    const dir = copyEnvironments();
    edit(dir, 'integration.yaml', (t) =>
      t.replace('      loglevel: DEBUG\n', '      loglevel: DEBUG\n      motd: |\n        hello\n'),
    );
    const r = await run(['validate', '--environments', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "common.config.common.motd: contains a line break (U+000A) at character 6 (a block scalar '|' or '>' keeps a final line break: write '|-' or '>-')",
    );
  });

  test('a key with a line break is refused without echoing the key', async () => {
    const dir = copyEnvironments();
    edit(dir, 'integration.yaml', (t) =>
      t.replace('      loglevel: DEBUG\n', '      loglevel: DEBUG\n      "log\\n[database]": x\n'),
    );
    const r = await run(['validate', '--environments', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('common.config.common.<key>: a key contains a line break (U+000A) at character 4');
  });

  test('tokens where the format wants tokens: cron schedules, VO names, FTS servers, haproxy log words', async () => {
    const dir = copyEnvironments();
    edit(dir, 'integration.yaml', (t) =>
      t.replace(
        '    fullnameOverride: daemonint\n',
        '    fullnameOverride: daemonint\n    ftsRenewal: {enabled: true, schedule: "12 */6 * *", vos: [{vo: "atlas; rm -rf /", voms: atlas}], servers: "https://fts3.example.org:8446, x"}\n',
      ),
    );
    const r = await run(['validate', '--environments', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ftsRenewal\.schedule: expected a cron schedule of five fields/);
    expect(r.stderr).toMatch(/ftsRenewal\.vos\.0\.vo: expected one word/);
    expect(r.stderr).toMatch(/ftsRenewal\.servers: expected comma-separated URLs without spaces/);
  });
});
