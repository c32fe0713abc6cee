import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiObject } from 'cdk8s';
import { GitRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1';
import { Kustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithTools } from '../tools.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { UserError } from '../../src/load/problems.js';
import { type Component } from '../../src/synth/context.js';
import { GENERATED_MARKER, type KubeObject } from '../../src/synth/files.js';
import {
  buildEnvironment,
  fluxObjects,
  renderEnvironments,
  rucioDaemons,
  rucioServers,
} from '../../src/synth/render.js';
import { writeTree } from '../../src/synth/write.js';
import { cleanup, git, identity, ROOT, snapshot, synthInto, tempDir } from './helpers.js';

afterAll(cleanup);

function environments(edit?: (dir: string) => void): string {
  const dir = join(tempDir('rg-flux-'), 'environments');
  cpSync(join(ROOT, 'environments'), dir, { recursive: true });
  edit?.(dir);
  return dir;
}

function replaceIn(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

function validateFlux(o: KubeObject): void {
  if (o.kind === 'GitRepository') new GitRepository(o as never).validate();
  else if (o.kind === 'Kustomization') new Kustomization(o as never).validate();
  else if (o.kind === 'Namespace') new Namespace(o as never).validate();
  else throw new Error(`unexpected ${o.kind} in clusters/`);
}

const fluxFolder = (env: string) => (f: { folder: string }) => f.folder === `clusters/${env}`;

describe('Flux objects', () => {
  it('the bundled environments have their Flux objects in clusters/<env>/, valid against the Flux CRD schemas', () => {
    const files = renderEnvironments(loadEnvironments(join(ROOT, 'environments')));
    const flux = files.filter((f) => f.path.startsWith('clusters/'));
    expect(flux.map((f) => f.path)).toEqual([
      'clusters/integration/GitRepository.rucio-deploy.k8s.yaml',
      'clusters/integration/Kustomization.rucio-app-daemonint.k8s.yaml',
      'clusters/integration/Kustomization.rucio-app-daemonintpy3.k8s.yaml',
      'clusters/integration/Kustomization.rucio-app-serverint.k8s.yaml',
      'clusters/integration/Kustomization.rucio-app-webuiint.k8s.yaml',
      'clusters/integration/Kustomization.rucio-infrastructure.k8s.yaml',
      'clusters/integration/Namespace.rucio.k8s.yaml',
      'clusters/production/GitRepository.rucio-deploy.k8s.yaml',
      'clusters/production/Kustomization.rucio-app-daemonprod.k8s.yaml',
      'clusters/production/Kustomization.rucio-infrastructure.k8s.yaml',
      'clusters/production/Namespace.rucio.k8s.yaml',
    ]);
    // The Namespace the releases target, applied by bootstrap's flux-system Kustomization, never pruned by it.
    const ns = parse(files.find((f) => f.path === 'clusters/production/Namespace.rucio.k8s.yaml')!.text);
    expect(ns.metadata).toMatchObject({
      name: 'rucio',
      annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
    });
    expect(ns.metadata.namespace).toBeUndefined();
    for (const f of flux) {
      expect(f.text.startsWith(`${GENERATED_MARKER}\n`)).toBe(true);
      validateFlux(parse(f.text) as KubeObject);
    }
    const ks = (p: string) => parse(files.find((f) => f.path === p)!.text) as { spec: Record<string, unknown> };
    const daemons = ks('clusters/integration/Kustomization.rucio-app-daemonint.k8s.yaml').spec;
    expect(daemons).toMatchObject({
      path: './apps/integration/daemonint',
      prune: true,
      wait: true,
      interval: '10m',
      retryInterval: '2m',
      timeout: '5m',
      targetNamespace: 'rucio',
      sourceRef: { kind: 'GitRepository', name: 'rucio-deploy' },
      dependsOn: [{ name: 'rucio-app-serverint' }],
    });
    expect(ks('clusters/integration/Kustomization.rucio-app-serverint.k8s.yaml').spec.dependsOn).toEqual([
      { name: 'rucio-infrastructure' },
    ]);
    expect(ks('clusters/integration/Kustomization.rucio-infrastructure.k8s.yaml').spec).toMatchObject({
      path: './infrastructure/integration',
    });
    expect(ks('clusters/production/Kustomization.rucio-app-daemonprod.k8s.yaml').spec).toMatchObject({
      timeout: '10m',
      path: './apps/production/daemonprod',
    });
    const repo = parse(files.find((f) => f.path === 'clusters/production/GitRepository.rucio-deploy.k8s.yaml')!.text);
    expect(repo.spec).toEqual({
      interval: '1m',
      url: 'ssh://git@gitlab.example.org/rucio/deploy.git',
      ref: { branch: 'main' },
      secretRef: { name: 'rucio-deploy-key' },
    });
    // No kustomization.yaml in clusters/<env>: Flux generates one that includes bootstrap's flux-system/.
    expect(files.some((f) => /^clusters\/[^/]+\/kustomization\.yaml$/.test(f.path))).toBe(false);
    expect(files.some((f) => f.path === '.sourceignore')).toBe(true);
  });

  it('the schema check can fail: a wrong type is refused', () => {
    expect(() =>
      new Kustomization({
        metadata: { name: 'x' },
        spec: { interval: '1m', prune: 'yes', sourceRef: { kind: 'GitRepository', name: 'a' } },
      } as never).validate(),
    ).toThrow(/prune must be boolean/);
  });

  it('orders infrastructure → servers → daemons once an infrastructure folder exists; health checks when wait is off', () => {
    const dir = environments((d) =>
      replaceIn(join(d, 'integration.yaml'), 'common:\n', 'flux:\n  wait: false\ncommon:\n'),
    );
    const [env] = loadEnvironments(dir, ['integration']);
    // Another component (here a stand-in for the pushgateway of issue 3) renders into infrastructure/<env>/.
    const infra: Component = (ctx) => {
      const chart = ctx.chart(`infrastructure/${ctx.env.name}/pushgateway`, 'pushgateway');
      new ApiObject(chart, 'svc', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'pushgateway' },
        spec: { ports: [{ name: 'http', port: 9091 }] },
      });
    };
    const folders = buildEnvironment(env!, [rucioServers, rucioDaemons, infra, fluxObjects]);
    const objects = folders.find(fluxFolder('integration'))!.objects;
    for (const o of objects) validateFlux(o);
    const byName = new Map(objects.map((o) => [o.metadata.name, o as KubeObject & { spec: Record<string, unknown> }]));
    expect([...byName.keys()].sort()).toEqual([
      'rucio',
      'rucio-app-daemonint',
      'rucio-app-daemonintpy3',
      'rucio-app-serverint',
      'rucio-deploy',
      'rucio-infrastructure',
    ]);
    expect(byName.get('rucio-infrastructure')!.spec).toMatchObject({
      path: './infrastructure/integration',
      wait: false,
    });
    expect(byName.get('rucio-infrastructure')!.spec.targetNamespace).toBeUndefined();
    expect(byName.get('rucio-app-serverint')!.spec.dependsOn).toEqual([{ name: 'rucio-infrastructure' }]);
    expect(byName.get('rucio-app-daemonint')!.spec.dependsOn).toEqual([{ name: 'rucio-app-serverint' }]);
    const server = byName.get('rucio-app-serverint')!.spec;
    expect(server.wait).toBe(false);
    expect(server.healthChecks).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'serverint-rucio-server', namespace: 'rucio' },
    ]);
    const checks = byName.get('rucio-app-daemonint')!.spec.healthChecks as Array<{ name: string }>;
    expect(checks.map((c) => c.name)).toContain('daemonint-reaper');
    // Without infrastructure, production's daemons depend on nothing.
    const [prod] = loadEnvironments(dir, ['production']);
    const p = buildEnvironment(prod!, [rucioServers, rucioDaemons, fluxObjects]).find(
      fluxFolder('production'),
    )!.objects;
    expect(p.find((o) => o.metadata.name === 'rucio-app-daemonprod')!.spec).not.toHaveProperty('dependsOn');
    // With it (the bundled components), they wait for the infrastructure.
    const full = buildEnvironment(prod!).find(fluxFolder('production'))!.objects;
    expect(full.find((o) => o.metadata.name === 'rucio-app-daemonprod')!.spec).toMatchObject({
      dependsOn: [{ name: 'rucio-infrastructure' }],
    });
  });

  it('an existing source (bootstrap) instead of a GitRepository, and a dist/ below the repository root', () => {
    const dir = environments((d) => {
      replaceIn(
        join(d, '_rucio.yaml'),
        'flux:\n  gitRepository:\n    url: ssh://git@gitlab.example.org/rucio/deploy.git\n    branch: main\n    # The deploy key (identity, known_hosts), created outside git with `flux create secret git`.\n    secretRef: rucio-deploy-key\n',
        'flux:\n  path: ./dist\n',
      );
    });
    const [env] = loadEnvironments(dir, ['production']);
    const objects = buildEnvironment(env!).find(fluxFolder('production'))!.objects;
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Kustomization/rucio-app-daemonprod',
      'Kustomization/rucio-infrastructure',
      'Namespace/rucio',
    ]);
    const byName = (n: string) => objects.find((o) => o.metadata.name === n)!.spec;
    expect(byName('rucio-app-daemonprod')).toMatchObject({
      path: './dist/apps/production/daemonprod',
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    });
    expect(byName('rucio-infrastructure')).toMatchObject({
      path: './dist/infrastructure/production',
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    });
  });

  it('no flux block, no Flux objects', () => {
    const dir = environments((d) => {
      const f = join(d, '_rucio.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace(/\n# Flux on both clusters[^]*$/, '\n'));
      writeFileSync(
        join(d, 'production.yaml'),
        readFileSync(join(d, 'production.yaml'), 'utf8').replace(/\nflux:\n[^]*$/, '\n'),
      );
    });
    const files = renderEnvironments(loadEnvironments(dir));
    expect(files.some((f) => f.path.startsWith('clusters/'))).toBe(false);
  });

  it('flux settings errors name the file, line and key', () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        '    secretRef: rucio-deploy-key\n',
        '',
        /_rucio\.yaml:\d+  flux\.gitRepository\.secretRef: an ssh:\/\/ URL needs a deploy key/,
      ],
      [
        '\nflux:\n',
        '\nflux:\n  sourceRef: flux-system\n',
        /_rucio\.yaml:\d+  flux\.sourceRef: set either gitRepository .* or sourceRef/,
      ],
      [
        '\nflux:\n',
        '\nflux:\n  interval: 10 minutes\n',
        /_rucio\.yaml:\d+  flux\.interval: expected a duration such as 30s, 5m or 1h30m/,
      ],
      ['\nflux:\n', '\nflux:\n  prnue: true\n', /_rucio\.yaml:\d+  flux\.prnue: .*prune/],
    ];
    for (const [from, to, message] of cases) {
      const dir = environments((d) => replaceIn(join(d, '_rucio.yaml'), from, to));
      let error: unknown;
      try {
        loadEnvironments(dir, ['production']);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('synth and the flux-system/ folder', () => {
  it('never touches clusters/<env>/flux-system/, even a file that carries the marker', () => {
    const out = join(tempDir('rg-dist-'), 'dist');
    const system = join(out, 'clusters/integration/flux-system');
    mkdirSync(system, { recursive: true });
    writeFileSync(join(system, 'gotk-sync.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bootstrap}\n');
    writeFileSync(join(system, 'copied.yaml'), `${GENERATED_MARKER}\nkind: Looks generated\n`);
    writeFileSync(
      join(out, 'clusters/integration/Kustomization.gone.k8s.yaml'),
      `${GENERATED_MARKER}\nkind: Kustomization\n`,
    );
    const before = snapshot(system);
    synthInto(join(ROOT, 'environments'), out);
    expect(snapshot(system)).toEqual(before);
    expect(existsSync(join(out, 'clusters/integration/Kustomization.gone.k8s.yaml'))).toBe(false);
    expect(existsSync(join(out, 'clusters/integration/Kustomization.rucio-app-serverint.k8s.yaml'))).toBe(true);
    // A second synth (nothing to write) and one that removes everything keep it too.
    synthInto(join(ROOT, 'environments'), out);
    writeTree(out, [], {});
    expect(snapshot(system)).toEqual(before);
  });

  it('.sourceignore lets Flux see the manifests only (checked with git, which reads the same format)', () => {
    const repo = join(tempDir('rg-ignore-'), 'deploy');
    synthInto(join(ROOT, 'environments'), repo);
    git(repo, 'init', '-q', '-b', 'main');
    identity(repo, 'T', 't@example.org');
    cpSync(join(repo, '.sourceignore'), join(repo, '.gitignore'));
    mkdirSync(join(repo, 'infrastructure/integration/haproxy'), { recursive: true });
    writeFileSync(join(repo, 'infrastructure/integration/haproxy/haproxy.cfg'), 'global\n');
    writeFileSync(join(repo, 'README.md'), '# deploy\n');
    mkdirSync(join(repo, 'clusters/integration/flux-system'), { recursive: true });
    writeFileSync(join(repo, 'clusters/integration/flux-system/gotk-sync.yaml'), 'kind: x\n');
    const ignored = (p: string) => {
      try {
        git(repo, 'check-ignore', '-q', '--no-index', p);
        return true;
      } catch {
        return false;
      }
    };
    expect(ignored('README.md')).toBe(true);
    expect(ignored('infrastructure/integration/haproxy/haproxy.cfg')).toBe(true);
    expect(ignored('apps/integration/serverint/Deployment.serverint-rucio-server.k8s.yaml')).toBe(false);
    expect(ignored('apps/integration/kustomization.yaml')).toBe(false);
    expect(ignored('clusters/integration/Kustomization.rucio-app-serverint.k8s.yaml')).toBe(false);
    expect(ignored('clusters/integration/flux-system/gotk-sync.yaml')).toBe(false);
  });
});

describeWithTools(['kubectl'], 'every folder builds with kustomize (kubectl kustomize)', () => {
  it('builds each folder with a kustomization.yaml, and clusters/<env>/ as Flux would (generated kustomization)', () => {
    const out = join(tempDir('rg-kustomize-'), 'dist');
    synthInto(join(ROOT, 'environments'), out);
    const folders: string[] = [];
    const walk = (d: string) => {
      if (existsSync(join(d, 'kustomization.yaml'))) folders.push(d);
      for (const e of readdirSync(d)) if (statSync(join(d, e)).isDirectory()) walk(join(d, e));
    };
    walk(out);
    expect(folders.length).toBeGreaterThan(5);
    for (const env of readdirSync(join(out, 'clusters'))) {
      const d = join(out, 'clusters', env);
      const files = readdirSync(d)
        .filter((f) => f.endsWith('.yaml'))
        .sort();
      writeFileSync(
        join(d, 'kustomization.yaml'),
        `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${files.map((f) => `  - ${f}`).join('\n')}\n`,
      );
      folders.push(d);
    }
    for (const d of folders) {
      const built = execFileSync('kubectl', ['kustomize', d], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(built, d).toMatch(/^apiVersion: /);
    }
  });
});
