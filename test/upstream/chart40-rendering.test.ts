/**
 * A release with only the chart's counts set runs like chart 40 renders it: the daemons' RUCIO_DAEMON_ARGS, resources
 * and labels, and the server's replicas, ports, probes, env and sidecars, compared with the expected renderings in
 * test/fixtures/chart40/ (each fixture says where its values come from). Every place ours differs must name a
 * documented difference.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DAEMONS } from '../../values/rucio-daemon-table.js';
import { DIFFERENCES, difference } from '../../src/upstream/differences.js';
import { cleanup, cli, REPO, tempDir, type Obj } from '../helpers.js';

const fixture = (name: string) => parse(readFileSync(join(REPO, 'test', 'fixtures', 'chart40', name), 'utf8'));
const DAEMONS_FIXTURE = fixture('daemons-counts-only.yaml');
const SERVER_FIXTURE = fixture('server-replicas-only.yaml');

/** What bash makes of an argument string after the image's `eval`. */
function shellWords(args: string): string[] {
  const out = execFileSync('bash', ['--norc', '-c', 'eval "set -- $ARGS"; printf "%s\\0" "$@"'], {
    env: { ARGS: args, PATH: process.env.PATH },
  }).toString();
  return out.split('\0').slice(0, -1);
}

let out: string;
const read = (path: string): Obj => parse(readFileSync(join(out, path), 'utf8'));
/** The labels every object gets on top of the chart's (documented: common-labels). */
const COMMON_LABELS = [
  'app.kubernetes.io/instance',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/part-of',
  'rucio-gitops/environment',
];
/** An object's labels without the common ones, and heritage set to the chart's (documented: heritage-label). */
function chartLabels(labels: Record<string, string>): Record<string, string> {
  for (const l of COMMON_LABELS) expect(difference('common-labels').what).toContain(l);
  expect(difference('heritage-label').what).toContain('heritage');
  const out = Object.fromEntries(Object.entries(labels).filter(([k]) => !COMMON_LABELS.includes(k)));
  return { ...out, heritage: 'Helm' };
}
const env = (c: Obj): Record<string, string> => Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value]));

beforeAll(async () => {
  // GIVEN an environment whose releases set nothing but the chart's counts (no waivers: the constructs declare that
  // the Rucio images run as root)
  const dir = tempDir();
  out = join(tempDir(), 'dist');
  mkdirSync(join(dir, 'environments'));
  const counts = Object.fromEntries(DAEMONS.map((d) => [`${d.valueKey}Count`, 1]));
  writeFileSync(
    join(dir, 'environments', 'migrated.yaml'),
    JSON.stringify({
      name: 'migrated',
      namespace: 'rucio',
      servers: { [SERVER_FIXTURE.release]: SERVER_FIXTURE.values },
      daemons: { [DAEMONS_FIXTURE.release]: counts },
    }),
  );
  // WHEN it is synthesized by the command operators run
  const r = await cli('synth', '--environments', join(dir, 'environments'), '--out', out);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});
afterAll(cleanup);

describe('a daemons release with only the 28 counts set, against chart 40', () => {
  it('covers all 28 daemons', () => {
    expect(DAEMONS_FIXTURE.daemons.map((d: Obj) => d.valueKey).sort()).toEqual(DAEMONS.map((d) => d.valueKey).sort());
  });

  it.each(DAEMONS_FIXTURE.daemons.map((d: Obj) => [d.valueKey, d]))('%s: RUCIO_DAEMON_ARGS', (_key, row: Obj) => {
    const d = read(`apps/migrated/daemons/Deployment.${row.deployment}.k8s.yaml`);
    const e = env(d.spec.template.spec.containers[0]);
    expect(e.RUCIO_DAEMON).toBe(row.RUCIO_DAEMON);
    const chart = shellWords(row.RUCIO_DAEMON_ARGS);
    const ours = shellWords(e.RUCIO_DAEMON_ARGS);
    if (!row.except) {
      expect(ours).toEqual(chart);
      return;
    }
    // THEN where ours differs, the difference is documented and it is exactly the flag it names
    for (const id of row.except) {
      const diff = difference(id);
      const key = diff.keys![0]!.split('.')[1]!;
      const spec = DAEMONS.find((s) => s.valueKey === row.valueKey)!.settings.find((s) => s.key === key)!;
      const at = chart.indexOf(spec.flag);
      expect(at, `${spec.flag} in the chart's args`).toBeGreaterThanOrEqual(0);
      let end = at + 1;
      while (end < chart.length && !chart[end]!.startsWith('--')) end++;
      chart.splice(at, end - at);
    }
    expect(ours).toEqual(chart);
  });

  it.each(DAEMONS_FIXTURE.daemons.map((d: Obj) => [d.valueKey, d]))('%s: resources and labels', (_key, row: Obj) => {
    const d = read(`apps/migrated/daemons/Deployment.${row.deployment}.k8s.yaml`);
    const c = d.spec.template.spec.containers[0];
    expect(c.resources).toEqual({ requests: row.requests, limits: row.limits });
    const name = row.deployment.slice(`${DAEMONS_FIXTURE.fullname}-`.length);
    const app = `rucio-daemons-${name}`;
    expect(chartLabels(d.metadata.labels)).toEqual({
      app,
      'app-group': 'rucio-daemons',
      chart: DAEMONS_FIXTURE.chart,
      release: DAEMONS_FIXTURE.release,
      heritage: DAEMONS_FIXTURE.heritage,
    });
    expect(d.spec.selector.matchLabels).toEqual({ app, release: DAEMONS_FIXTURE.release });
    expect(d.spec.template.metadata.labels).toEqual({
      app,
      'app-group': 'rucio-daemons',
      release: DAEMONS_FIXTURE.release,
      'rucio-daemon': name,
    });
    expect(d.spec.replicas).toBe(1);
  });
});

describe('a server release with only replicaCount set, against chart 40', () => {
  const x = SERVER_FIXTURE.deployment;

  it('keeps the name, replicas, rollout, labels and selector', () => {
    const d = read(`apps/migrated/server/Deployment.${x.name}.k8s.yaml`);
    expect(d.spec.replicas).toBe(x.replicas);
    expect(d.spec.minReadySeconds).toBe(x.minReadySeconds);
    expect(d.spec.strategy).toEqual(x.strategy);
    expect(chartLabels(d.metadata.labels)).toEqual(x.labels);
    expect(d.spec.selector.matchLabels).toEqual(x.selector);
    expect(d.spec.template.metadata.labels).toEqual(x.podLabels);
  });

  it('runs the same containers, extra ones only where a difference says so', () => {
    const d = read(`apps/migrated/server/Deployment.${x.name}.k8s.yaml`);
    const ours = d.spec.template.spec.containers.map((c: Obj) => c.name);
    const extra = ours.filter((n: string) => !x.containers.some((c: Obj) => c.name === n));
    expect(extra.sort()).toEqual(Object.keys(SERVER_FIXTURE.extraContainers).sort());
    for (const id of Object.values(SERVER_FIXTURE.extraContainers)) difference(id as string);
    expect(ours.filter((n: string) => !extra.includes(n))).toEqual(x.containers.map((c: Obj) => c.name));
  });

  it.each(x.containers.map((c: Obj) => [c.name, c]))('%s: resources, ports, probes and env', (_name, want: Obj) => {
    const d = read(`apps/migrated/server/Deployment.${x.name}.k8s.yaml`);
    const c = d.spec.template.spec.containers.find((y: Obj) => y.name === want.name);
    if (want.except?.includes('resources-everywhere')) {
      expect(want.resources).toEqual({});
      expect(c.resources.requests).toBeDefined();
      expect(c.resources.limits).toBeDefined();
    } else expect(c.resources).toEqual(want.resources);
    if (!want.ports) return;
    const ports = Object.fromEntries(c.ports.map((p: Obj) => [p.name, p.containerPort]));
    for (const p of want.ports) expect(ports[p.name], p.name).toBe(p.containerPort);
    expect(Object.keys(ports).filter((n) => !want.ports.some((p: Obj) => p.name === n))).toEqual(
      Object.keys(SERVER_FIXTURE.extraPorts),
    );
    for (const [probe, w] of [
      ['readinessProbe', want.readinessProbe],
      ['livenessProbe', want.livenessProbe],
    ] as const) {
      const p = c[probe];
      expect(p.httpGet.path).toBe(w.path);
      expect(ports[p.httpGet.port] ?? p.httpGet.port).toBe(w.port);
      expect(p.httpGet.scheme ?? 'HTTP').toBe(w.scheme);
      expect([p.initialDelaySeconds, p.periodSeconds, p.timeoutSeconds]).toEqual([
        w.initialDelaySeconds,
        w.periodSeconds,
        w.timeoutSeconds,
      ]);
    }
    const e = env(c);
    for (const [k, v] of Object.entries(want.env)) expect(e[k], k).toBe(v);
    for (const [k, id] of Object.entries(SERVER_FIXTURE.extraEnv)) {
      expect(e[k], k).toBeDefined();
      difference(id as string);
    }
  });

  it('keeps the Service: type, port and the container port it targets', () => {
    const s = read(`apps/migrated/server/Service.${SERVER_FIXTURE.service.name}.k8s.yaml`);
    const d = read(`apps/migrated/server/Deployment.${x.name}.k8s.yaml`);
    const ports = Object.fromEntries(
      d.spec.template.spec.containers.flatMap((c: Obj) => (c.ports ?? []).map((p: Obj) => [p.name, p.containerPort])),
    );
    expect(s.spec.type).toBe(SERVER_FIXTURE.service.type);
    expect(s.spec.ports).toHaveLength(1);
    const [p] = s.spec.ports;
    expect([p.name, p.port]).toEqual([SERVER_FIXTURE.service.portName, SERVER_FIXTURE.service.port]);
    expect(ports[p.targetPort] ?? p.targetPort).toBe(SERVER_FIXTURE.service.targetPort);
  });
});

describe('the daemon table and the chart defaults', () => {
  it('explains every flag default that is not the chart one', () => {
    for (const d of DAEMONS) {
      for (const s of d.settings) {
        const chart =
          s.chartDefault === undefined ? undefined : s.kind === 'int' ? Number(s.chartDefault) : s.chartDefault;
        const same =
          s.kind === 'flag'
            ? Boolean(chart) === Boolean(s.default)
            : chart === s.default || (chart === undefined && s.default === undefined);
        expect(s.unlikeChart === undefined, `${d.valueKey}.${s.key}`).toBe(same);
      }
    }
    expect(DIFFERENCES.filter((x) => x.id.startsWith('default-')).map((x) => x.id)).toEqual([
      'default-conveyor-stager-activities',
      'default-conveyor-submitter-activities',
    ]);
  });
});
