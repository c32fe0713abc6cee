/**
 * The bundled environments: they reproduce the seed's two clusters, and dist/ is exactly what synth produces.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvironments } from '../src/load/environments.js';
import { renderEnvironments } from '../src/synth/render.js';
import { ENVIRONMENTS, REPO, cleanup, readTree, type Obj } from './helpers.js';
import { INTEGRATION, PRODUCTION, cores, type SeedRow } from './seed-tables.js';
import { parse } from 'yaml';

afterAll(cleanup);

const files = renderEnvironments(loadEnvironments(ENVIRONMENTS));
const objects = (env: string): Obj[] =>
  files.filter((f) => f.path.startsWith(`apps/${env}/`) && f.path.endsWith('.k8s.yaml')).map((f) => parse(f.text));

/** Pods a Deployment runs: its replicas, or the minimum of the autoscaler that owns it. */
function pods(all: Obj[], d: Obj): number | undefined {
  if (d.spec.replicas !== undefined) return d.spec.replicas;
  const scaler = all.find((o) => o.kind === 'ScaledObject' && o.spec.scaleTargetRef.name === d.metadata.name);
  return scaler?.spec.minReplicaCount;
}

function checkCluster(env: string, table: readonly SeedRow[]): void {
  const all = objects(env);
  // The seed's pod tables list the servers and daemons; the WebUI servers are counted apart (see below).
  const deployments = all.filter((o) => o.kind === 'Deployment' && o.metadata.labels.app !== 'rucio-webui');
  it('has exactly the Deployments of the seed table', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(table.map((r) => r.deployment).sort());
  });
  for (const row of table) {
    it(`${row.deployment}: ${row.pods} pod(s), CPU ${row.cpuRequest}/${row.cpuLimit}`, () => {
      const d = deployments.find((x) => x.metadata.name === row.deployment);
      expect(d, row.deployment).toBeDefined();
      expect(pods(all, d)).toBe(row.pods);
      const main = d.spec.template.spec.containers.find(
        (c: Obj) => c.name === 'rucio-daemons' || c.name === 'rucio-server',
      );
      expect(cores(main.resources.requests.cpu)).toBeCloseTo(row.cpuRequest, 5);
      expect(cores(main.resources.limits.cpu)).toBeCloseTo(row.cpuLimit, 5);
      for (const c of d.spec.template.spec.containers) {
        expect(c.resources.requests.memory, `${c.name} memory request`).toBeDefined();
        expect(c.resources.limits.memory, `${c.name} memory limit`).toBeDefined();
        expect(c.image).toMatch(/:[^:/]+$/);
        expect(c.image).not.toMatch(/:latest$/);
      }
    });
  }
}

describe('integration reproduces the seed', () => {
  checkCluster('integration', INTEGRATION);

  it("runs the seed's 1 integration WebUI server, calling the integration API server", () => {
    const webui = objects('integration').filter(
      (o) => o.kind === 'Deployment' && o.metadata.labels.app === 'rucio-webui',
    );
    expect(webui.map((d) => [d.metadata.name, d.spec.replicas])).toEqual([['webuiint', 1]]);
    const env = Object.fromEntries(
      webui[0].spec.template.spec.containers
        .find((c: Obj) => c.name === 'rucio-webui')
        .env.map((e: Obj) => [e.name, e.value]),
    );
    const integration = loadEnvironments(ENVIRONMENTS, ['integration'])[0]!.values;
    const api = integration.servers.serverint!;
    expect(api.hostname).toBeDefined();
    expect(env.RUCIO_WEBUI_RUCIO_HOST).toBe(`https://${api.hostname}`);
    expect(env.RUCIO_WEBUI_RUCIO_AUTH_HOST).toBe(`https://${api.hostname}`);
  });

  it('production runs no WebUI in the cluster (its WebUI servers stay on VMs, as in the seed)', () => {
    expect(files.filter((f) => f.path.startsWith('apps/production/') && /rucio-webui/.test(f.text))).toEqual([]);
  });

  it('runs 1 to 10 threads per daemon', () => {
    const threads = objects('integration')
      .filter((o) => o.kind === 'Deployment' && o.metadata.labels['app-group'] === 'rucio-daemons')
      .map(
        (d) => d.spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'RUCIO_DAEMON_ARGS').value as string,
      )
      .flatMap((args) =>
        [...args.matchAll(/--(?:total-threads|threads|threads-per-process|num-thread|total-workers) (\d+)/g)].map((m) =>
          Number(m[1]),
        ),
      );
    expect(threads.length).toBeGreaterThan(20);
    expect(Math.min(...threads)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...threads)).toBeLessThanOrEqual(10);
  });
});

describe('production reproduces the seed', () => {
  checkCluster('production', PRODUCTION);

  it('has nothing of a server', () => {
    const prod = files.filter((f) => f.path.startsWith('apps/production/'));
    expect(prod.length).toBeGreaterThan(0);
    for (const f of prod) expect(f.text).not.toMatch(/rucio-server/);
    const everywhere = files
      .filter((f) => f.path.includes('/production/') && f.path.endsWith('.k8s.yaml'))
      .map((f) => parse(f.text));
    expect(
      everywhere.filter((o) => o.metadata.labels?.app === 'rucio-server' || /rucio-server/.test(o.metadata.name)),
    ).toEqual([]);
  });

  it('runs 5 to 60 threads per daemon', () => {
    const threads = objects('production')
      .filter((o) => o.kind === 'Deployment')
      .map(
        (d) => d.spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'RUCIO_DAEMON_ARGS').value as string,
      )
      .flatMap((args) =>
        [...args.matchAll(/--(?:total-threads|threads|threads-per-process|num-thread|total-workers) (\d+)/g)].map((m) =>
          Number(m[1]),
        ),
      );
    expect(threads.length).toBeGreaterThan(10);
    expect(Math.min(...threads)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...threads)).toBeLessThanOrEqual(60);
  });
});

describe('dist/', () => {
  it('is exactly what synth produces (generated files)', () => {
    const committed = readTree(join(REPO, 'dist'));
    const generated = Object.fromEntries(
      Object.entries(committed).filter(([, text]) => text.startsWith('# Generated by rucio-gitops')),
    );
    const expected = Object.fromEntries(files.map((f) => [f.path, f.text]));
    expect(Object.keys(generated).sort()).toEqual(Object.keys(expected).sort());
    for (const [path, text] of Object.entries(expected)) expect(generated[path], path).toBe(text);
  });

  it('holds no Secret and no plaintext credential', () => {
    for (const f of files) {
      expect(f.text, f.path).not.toMatch(/^kind: Secret$/m);
      expect(f.text, f.path).not.toMatch(/[a-z]+:\/\/[^\s/:@]+:[^\s/@]+@/);
    }
  });

  it('is deterministic in memory', () => {
    const again = renderEnvironments(loadEnvironments(ENVIRONMENTS));
    expect(again).toEqual(files);
  });

  it('keeps the environment files free of real hostnames', () => {
    for (const name of ['_rucio.yaml', 'integration.yaml', 'production.yaml']) {
      const text = readFileSync(join(ENVIRONMENTS, name), 'utf8');
      const urls = [...text.matchAll(/:\/\/(?:[^@\s/]+@)?([^/:\s'"]+)/g)].map((m) => m[1]!);
      const keyed = [
        ...text.matchAll(/^\s*-?\s*(?:host|hostname|hosts|brokers|server|address)\s*:\s*\[?\s*['"]?([^\s'"#,\]:]+)/gm),
      ].map((m) => m[1]!);
      const hosts = [...urls, ...keyed].filter((h) => /[a-z]/.test(h) && h.includes('.') && !/\.svc(\.|$)/.test(h));
      for (const h of hosts) expect(h, `${name}: ${h}`).toMatch(/(^|\.)example\.org$/);
    }
  });
});
