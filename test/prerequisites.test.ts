/**
 * `prerequisites`: the Namespaces, CRDs and Secrets an environment needs, read from the synthesized objects, so a
 * reference added anywhere in the values shows up, and the `kubectl create secret` lines to fill in.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvironments } from '../src/load/environments.js';
import { prerequisites } from '../src/prerequisites/prerequisites.js';
import { renderEnvironments } from '../src/synth/render.js';
import { cleanup, cli, ENVIRONMENTS, envCopy, replaceOnce } from './helpers.js';

afterAll(cleanup);

const of = (dir: string, env: string) => prerequisites(renderEnvironments(loadEnvironments(dir, [env])))[0]!;

describe('prerequisites of the bundled environments', () => {
  it('production: the Secrets with their keys, the CRDs with their project, the Namespace written by synth', () => {
    const p = of(ENVIRONMENTS, 'production');
    expect(p.writtenNamespaces).toEqual(['rucio']);
    expect(p.fluxNamespaces).toEqual(['flux-system']);
    expect(p.namespaces).toEqual([]);
    expect(p.secrets.map((s) => `${s.namespace}/${s.name}: ${s.keys.join(',')}`)).toEqual([
      'flux-system/rucio-deploy-key: identity,known_hosts',
      'rucio/rucio-broker: password',
      'rucio/rucio-ca-bundle: ',
      'rucio/rucio-db: url',
      'rucio/rucio-x509up: x509up',
    ]);
    expect(p.secrets.find((s) => s.name === 'rucio-ca-bundle')!.mountedAt).toEqual(['/etc/grid-security/certificates']);
    expect(p.crds.map((c) => `${c.name} ${c.providedBy.split(' ')[0]}`)).toEqual([
      'gitrepositories.source.toolkit.fluxcd.io Flux',
      'kustomizations.kustomize.toolkit.fluxcd.io Flux',
      'podmonitors.monitoring.coreos.com Prometheus',
      'prometheusrules.monitoring.coreos.com Prometheus',
      'scaledobjects.keda.sh KEDA',
      'servicemonitors.monitoring.coreos.com Prometheus',
    ]);
  });

  it("integration: the server's host certificate, its keys read from the subPaths", () => {
    const p = of(ENVIRONMENTS, 'integration');
    const cert = p.secrets.find((s) => s.name === 'serverint-hostcert')!;
    expect(cert.keys).toEqual(['tls.crt', 'tls.key']);
    expect(cert.usedBy).toEqual(['Deployment/serverint-rucio-server']);
    // Annotation scraping: no PodMonitor, so no such CRD (the alerts still need PrometheusRule's).
    expect(p.crds.map((c) => c.name)).not.toContain('podmonitors.monitoring.coreos.com');
    expect(p.crds.map((c) => c.name)).toContain('prometheusrules.monitoring.coreos.com');
  });

  it('prints every Secret and CRD, and the kubectl lines to fill in', async () => {
    const r = await cli('prerequisites', '--environments', ENVIRONMENTS, '--env', 'production');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('    rucio  (written by synth in clusters/production/, applied by Flux)\n');
    expect(r.stdout).toContain('    flux-system  (created by flux bootstrap)\n');
    expect(r.stdout).toMatch(/^ {4}scaledobjects\.keda\.sh {2}keda\.sh\/v1alpha1 ScaledObject, from KEDA/m);
    expect(r.stdout).toMatch(/^ {4}rucio\/rucio-db {2}keys url; used by Deployment\/daemonprod-/m);
    expect(r.stdout).toContain('    kubectl -n rucio create secret generic rucio-db --from-literal=url=VALUE\n');
    expect(r.stdout).toContain(
      '    kubectl -n rucio create secret generic rucio-x509up --from-file=x509up=PATH/TO/x509up\n',
    );
    expect(r.stdout).toContain(
      '    kubectl -n flux-system create secret generic rucio-deploy-key --from-file=identity=PATH/TO/identity --from-file=known_hosts=PATH/TO/known_hosts\n',
    );
    expect(r.stdout).not.toContain('policy waivers');
    const json = await cli('prerequisites', '--environments', ENVIRONMENTS, '--format', 'json');
    expect(JSON.parse(json.stdout).map((p: { environment: string }) => p.environment)).toEqual([
      'integration',
      'production',
    ]);
  });
});

describe('prerequisites follow the objects', () => {
  it('a new secret reference in the values is listed with its key', () => {
    const dir = envCopy({
      'production.yaml': (t) =>
        replaceOnce(
          t,
          '      loglevel: INFO\n',
          '      loglevel: INFO\n    credentials:\n      gcs: {secretKeyRef: {name: rucio-gcs, key: token}}\n',
        ),
    });
    const p = of(dir, 'production');
    expect(p.secrets.find((s) => s.name === 'rucio-gcs')?.keys).toEqual(['token']);
  });

  it('a Secret the FTS renewal job writes is listed with the job, not among those to create', async () => {
    const dir = envCopy({
      'production.yaml': (t) =>
        replaceOnce(
          t,
          '    fullnameOverride: daemonprod\n',
          '    fullnameOverride: daemonprod\n    ftsRenewal: {enabled: true, tlsSecretName: rucio-robot, secretNames: [rucio-x509up]}\n',
        ),
    });
    const p = of(dir, 'production');
    expect(p.secrets.find((s) => s.name === 'rucio-x509up')?.writtenBy).toMatch(/^CronJob\/daemonprod-/);
    expect(p.secrets.find((s) => s.name === 'rucio-robot')?.keys).toEqual(['tls.crt', 'tls.key']);
    const r = await cli('prerequisites', '--environments', dir, '--env', 'production');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /secrets written in the cluster by a job \(1\)[^]*rucio\/rucio-x509up {2}written by CronJob\//,
    );
    expect(r.stdout).not.toContain('create secret generic rucio-x509up');
  });

  it('an environment without Flux: the Namespace is to create by hand, and no Flux CRD is needed', () => {
    const dir = envCopy({
      '_rucio.yaml': (t) => t.replace(/\n# Flux on both clusters[^]*$/, '\n'),
      'production.yaml': (t) => t.replace(/\nflux:\n[^]*$/, '\n'),
    });
    const p = of(dir, 'production');
    expect(p.writtenNamespaces).toEqual([]);
    expect(p.namespaces).toEqual(['rucio']);
    expect(p.crds.some((c) => c.name.includes('fluxcd'))).toBe(false);
  });

  it('bad input: exit 1 with the file and key; a bad option: exit 2', async () => {
    const dir = envCopy({
      'production.yaml': (t) => replaceOnce(t, 'fullnameOverride: daemonprod', 'fullnameOverid: x'),
    });
    const r = await cli('prerequisites', '--environments', dir, '--env', 'production');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/production\.yaml:\d+ {2}daemons\.daemonprod\.fullnameOverid/);
    expect(r.stdout).toBe('');
    expect((await cli('prerequisites', '--format', 'yaml')).code).toBe(2);
    expect((await cli('prerequisites', '--bogus')).code).toBe(2);
  });
});
