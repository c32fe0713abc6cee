/**
 * Kubernetes' own rules (issue #11, point 4): label and annotation keys and values, 256 KiB of annotations, 1 MiB per
 * object, image references; in the environment files (file, line, key) and on every generated object.
 */
import { describe, expect, test } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import { loadEnvironments } from '../../src/load/environments.js';
import type { RenderedFile } from '../../src/synth/files.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { imageReferenceProblem, labelValueProblem, qualifiedNameProblem } from '../../values/kubernetes.js';
import { copyEnvironments, edit, run } from './helpers.js';

describe('the rules', () => {
  test.each([
    ['app', undefined],
    ['example.org/owner', undefined],
    ['app.kubernetes.io/name', undefined],
    ['a'.repeat(63), undefined],
    ['a'.repeat(64), 'has a name part of 64 characters'],
    [`${'a'.repeat(254)}/x`, 'has a prefix that is not a DNS subdomain of at most 253'],
    ['Example.org/x', 'has a prefix that is not a DNS subdomain'],
    ['example.org/', 'has a name part of 0 characters'],
    ['bad key', 'has a name part with characters Kubernetes does not allow'],
    ['-x', 'has a name part with characters'],
  ])('key %j', (key, problem) => {
    const found = qualifiedNameProblem(key);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  test.each([
    ['', undefined],
    ['rucio', undefined],
    ['release-36.2.0', undefined],
    ['x'.repeat(64), 'is 64 characters long'],
    ['a b', 'has characters a label value may not hold'],
    ['v1\n', 'has characters'],
  ])('label value %j', (value, problem) => {
    const found = labelValueProblem(value);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  test.each([
    ['rucio/rucio-server:release-36.2.0', undefined],
    ['registry.example.org:5000/rucio/rucio-daemons:release-36.2.0', undefined],
    [`rucio/probes@sha256:${'a'.repeat(64)}`, undefined],
    [`docker.elastic.co/beats/filebeat:8.17.0@sha256:${'0'.repeat(64)}`, undefined],
    ['localhost/x:1', undefined],
    ['rucio/rucio-server:release-36.2.0\nx', 'has a tag outside the reference grammar'],
    ['Rucio/rucio-server:1', 'has a path component'],
    ['rucio//server:1', 'has a path component'],
    ['registry.example.org:port/x:1', 'with a port that is not a number'],
    ['rucio/server:.hidden', 'has a tag outside'],
    ['rucio/server@sha256:xyz', 'has a digest that is not algorithm:hex'],
    [`rucio/server:${'t'.repeat(129)}`, 'has a tag outside'],
  ])('image %j', (image, problem) => {
    const found = imageReferenceProblem(image);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe('in the environment files: file, line and key', () => {
  test.each([
    [
      'podLabels',
      '      bad key!: x',
      'servers.serverint.podLabels.bad key!',
      'the label key has a name part with characters',
    ],
    [
      'podLabels',
      `      team: ${'x'.repeat(64)}`,
      'servers.serverint.podLabels.team',
      'the label value is 64 characters long',
    ],
    [
      'podAnnotations',
      '      Example.org/x: y',
      'servers.serverint.podAnnotations.Example.org/x',
      'the annotation key has a prefix',
    ],
    [
      'deploymentAnnotations',
      `      ${'n'.repeat(64)}: y`,
      `servers.serverint.deploymentAnnotations.${'n'.repeat(64)}`,
      'the annotation key has a name part of 64 characters',
    ],
  ])('%s: %s', async (map, line, key, message) => {
    const dir = copyEnvironments();
    edit(dir, 'integration.yaml', (t) =>
      t.replace('    exposeErrorLogs: false\n', `    exposeErrorLogs: false\n    ${map}:\n${line}\n`),
    );
    const r = await run(['validate', '--environments', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`integration\\.yaml:2[12] {2}${escape(key)}: ${escape(message)}`));
  });

  test('annotations over 256 KiB', async () => {
    const dir = copyEnvironments();
    const big = Array.from({ length: 5 }, (_, i) => `      example.org/a${i}: ${'x'.repeat(60_000)}`).join('\n');
    edit(dir, 'integration.yaml', (t) =>
      t.replace('    exposeErrorLogs: false\n', `    exposeErrorLogs: false\n    podAnnotations:\n${big}\n`),
    );
    const r = await run(['validate', '--environments', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /integration\.yaml:21 {2}servers\.serverint\.podAnnotations: annotations take 300\d+ bytes: Kubernetes accepts at most 262144 \(256 KiB\) per object/,
    );
  });

  test('an image repository or tag outside the reference grammar', async () => {
    const dir = copyEnvironments();
    edit(dir, 'integration.yaml', (t) =>
      t.replace(
        '    exposeErrorLogs: false\n',
        '    exposeErrorLogs: false\n    image: {repository: Rucio/Server, tag: "36.2.0 evil"}\n',
      ),
    );
    const r = await run(['validate', '--environments', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /integration\.yaml:21 {2}servers\.serverint\.image\.repository: the image name has a path component 'Rucio'/,
    );
    expect(r.stderr).toMatch(/integration\.yaml:21 {2}servers\.serverint\.image\.tag: expected an image tag/);
  });
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('on the generated objects', () => {
  const rendered = () => {
    const envs = loadEnvironments('environments', ['production']);
    return { envs, files: renderEnvironments(envs) };
  };

  test('the bundled output keeps every rule', async () => {
    const { envs, files } = rendered();
    const report = await runChecks(envs, files, { out: 'dist', partial: true });
    expect(report.problems.map((p) => p.format())).toEqual([]);
  });

  test('an object over 1 MiB, a bad label, annotation key and image reference are errors naming file and field', async () => {
    const { envs, files } = rendered();
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'big',
        namespace: 'rucio',
        labels: { 'app.kubernetes.io/name': 'not ok!' },
        annotations: { 'UPPER.example.org/x': 'y' },
      },
      data: { 'dashboard.json': 'x'.repeat(1024 * 1024) },
    };
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'rucio' },
      spec: { containers: [{ name: 'c', image: 'rucio/rucio-server:36\nx', resources: {} }] },
    };
    const extra: RenderedFile[] = [
      {
        path: 'apps/production/daemonprod/ConfigMap.big.k8s.yaml',
        text: JSON.stringify(object),
        object: object as never,
      },
      { path: 'apps/production/daemonprod/Pod.p.k8s.yaml', text: JSON.stringify(pod), object: pod as never },
    ];
    const report = await runChecks(envs, [...files, ...extra], { out: 'dist', partial: true });
    const lines = report.problems.map((p) => p.format()).filter((l) => /\[(k8s-|object-size)/.test(l));
    expect(lines).toEqual([
      `dist/apps/production/daemonprod/ConfigMap.big.k8s.yaml  ConfigMap/big: [object-size] is ${JSON.stringify(object).length.toLocaleString('en-US')} bytes as JSON, over the 1 MiB (1,048,576 bytes) Kubernetes accepts for an object: split what it lists (per release or per group) so that each object stays under it`,
      'dist/apps/production/daemonprod/ConfigMap.big.k8s.yaml  ConfigMap/big metadata.annotations: [k8s-annotation] annotation key \'UPPER.example.org/x\' has a prefix that is not a DNS subdomain of at most 253 characters (lowercase letters, digits, "-" and ".")',
      'dist/apps/production/daemonprod/ConfigMap.big.k8s.yaml  ConfigMap/big metadata.labels.app.kubernetes.io/name: [k8s-label] the value of label \'app.kubernetes.io/name\' has characters a label value may not hold: letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
      'dist/apps/production/daemonprod/Pod.p.k8s.yaml  Pod/p spec.containers[0].image: [k8s-image] the image reference has a tag outside the reference grammar: letters, digits, "_", "." and "-", at most 128, not starting with "." or "-"',
    ]);
  });
});
