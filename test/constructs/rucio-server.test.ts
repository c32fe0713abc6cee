/**
 * RucioServer: the upstream object contract (names, selector, ports, health, probes, env) and what we do better.
 */
import { describe, expect, it } from 'vitest';
import { envOf, find, serverObjects, type Obj } from '../helpers.js';

const deployment = (objects: Obj[], name = 'server-rucio-server') => find(objects, 'Deployment', name);
const main = (d: Obj) => d.spec.template.spec.containers.find((c: Obj) => c.name === 'rucio-server');

describe('RucioServer over plain HTTP', () => {
  const objects = serverObjects({ replicaCount: 2 });
  const d = deployment(objects);

  it('names the Deployment and Service <release>-rucio-server and selects by app and release', () => {
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'rucio-server', release: 'server' } });
    expect(d.spec.template.metadata.labels).toEqual({ app: 'rucio-server', release: 'server' });
    const svc = find(objects, 'Service', 'server-rucio-server');
    expect(svc.spec.selector).toEqual({ app: 'rucio-server', release: 'server' });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('declares 80 and 443, the health port 81, metrics on 8081 (on by default), and probes /ping on health', () => {
    const c = main(d);
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 80, protocol: 'TCP' },
      { name: 'https', containerPort: 443, protocol: 'TCP' },
      { name: 'health', containerPort: 81, protocol: 'TCP' },
      { name: 'metrics', containerPort: 8081, protocol: 'TCP' },
    ]);
    expect(c.readinessProbe).toEqual({
      httpGet: { path: '/ping', port: 'health', scheme: 'HTTP' },
      initialDelaySeconds: 5,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    expect(c.livenessProbe).toEqual({
      httpGet: { path: '/ping', port: 'health', scheme: 'HTTP' },
      initialDelaySeconds: 10,
      periodSeconds: 20,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    expect(envOf(c).RUCIO_HEALTH_CHECK_PORT).toBe('81');
    expect(envOf(c).RUCIO_ENABLE_SSL).toBeUndefined();
  });

  it('mounts the common config into conf.d', () => {
    expect(main(d).volumeMounts).toContainEqual({
      name: 'config-common',
      mountPath: '/opt/rucio/etc/conf.d/10_common.json',
      subPath: 'common.json',
      readOnly: true,
    });
    expect(envOf(main(d)).RUCIO_OVERRIDE_CONFIGS).toBe('/opt/rucio/etc/conf.d/');
    expect(find(objects, 'ConfigMap', 'server-rucio-server.config.common').data['common.json']).toBe('{}\n');
  });

  it('runs the error-log sidecar with a pinned image and its own resources', () => {
    const side = d.spec.template.spec.containers.find((c: Obj) => c.name === 'httpd-error-log');
    expect(side.image).toBe('busybox:1.36.1');
    expect(side.resources).toEqual({
      requests: { cpu: '20m', memory: '20Mi' },
      limits: { cpu: '30m', memory: '50Mi' },
    });
  });
});

describe('RucioServer over HTTPS with monitoring', () => {
  const objects = serverObjects({
    replicaCount: 1,
    useSSL: true,
    tlsSecretName: 'server-tls',
    service: { type: 'LoadBalancer', port: 443, targetPort: 'https', name: 'https', loadBalancerIP: '192.0.2.10' },
    httpd_config: { threads_limit: 128, grid_site_enabled: true, mpm_mode: 'event' },
    monitoring: { enabled: true },
  });
  const d = deployment(objects);
  const c = main(d);

  it('moves health to 444 over HTTPS', () => {
    expect(c.ports).toContainEqual({ name: 'health', containerPort: 444, protocol: 'TCP' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ping', port: 'health', scheme: 'HTTPS' });
    expect(envOf(c).RUCIO_ENABLE_SSL).toBe('True');
    expect(envOf(c).RUCIO_HEALTH_CHECK_PORT).toBe('444');
  });

  it('mounts the TLS Secret as host certificate and key', () => {
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'hostcert', mountPath: '/etc/grid-security/hostcert.pem', subPath: 'tls.crt', readOnly: true },
        { name: 'hostcert', mountPath: '/etc/grid-security/hostkey.pem', subPath: 'tls.key', readOnly: true },
      ]),
    );
  });

  it('turns httpd_config into RUCIO_HTTPD_* strings and enables server-status for the exporter', () => {
    const env = envOf(c);
    expect(env.RUCIO_HTTPD_THREADS_LIMIT).toBe('128');
    expect(env.RUCIO_HTTPD_GRID_SITE_ENABLED).toBe('True');
    expect(env.RUCIO_HTTPD_MPM_MODE).toBe('event');
    expect(env.RUCIO_HTTPD_ENABLE_STATUS).toBe('True');
  });

  it('exposes native metrics on 8081 and the apache exporter on 8080', () => {
    expect(c.ports).toContainEqual({ name: 'metrics', containerPort: 8081, protocol: 'TCP' });
    expect(envOf(c).RUCIO_METRICS_PORT).toBe('8081');
    const exporter = d.spec.template.spec.containers.find((x: Obj) => x.name === 'apache-exporter');
    expect(exporter.ports).toEqual([{ name: 'exporter', containerPort: 8080, protocol: 'TCP' }]);
    expect(exporter.image).not.toMatch(/latest|^[^:]+$/);
  });

  it('keeps a LoadBalancer with its fixed virtual IP', () => {
    const svc = find(objects, 'Service', 'server-rucio-server');
    expect(svc.spec).toMatchObject({
      type: 'LoadBalancer',
      loadBalancerIP: '192.0.2.10',
      ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
    });
  });
});

describe('RucioServer checksum/config', () => {
  const sum = (values: object) =>
    deployment(serverObjects({ replicaCount: 1, ...values })).spec.template.metadata.annotations['checksum/config'];

  it('changes with the config', () => {
    expect(sum({ config: { common: { loglevel: 'DEBUG' } } })).not.toBe(
      sum({ config: { common: { loglevel: 'INFO' } } }),
    );
  });

  it('changes with an httpd setting, even when no key is added (the chart misses this)', () => {
    expect(sum({ httpd_config: { max_request_workers: 256 } })).not.toBe(
      sum({ httpd_config: { max_request_workers: 512 } }),
    );
  });

  it('changes with the WSGI settings', () => {
    expect(sum({ wsgi: { daemonThreads: 8 } })).not.toBe(sum({ wsgi: { daemonThreads: 4 } }));
  });
});

describe('RucioServer edge cases', () => {
  it('renders nothing with replicaCount 0', () => {
    expect(serverObjects({ replicaCount: 0 })).toEqual([]);
  });

  it('honours nameOverride in names and the app label', () => {
    const o = serverObjects({ nameOverride: 'rucio-auth' }, 'auth');
    expect(deployment(o, 'auth-rucio-auth').spec.selector.matchLabels).toEqual({ app: 'rucio-auth', release: 'auth' });
  });

  it('reads secrets in config only by reference', () => {
    const o = serverObjects({
      config: { database: { default: { secretKeyRef: { name: 'db', key: 'url' } }, pool_size: 5 } },
    });
    expect(envOf(main(deployment(o))).RUCIO_CFG_DATABASE_DEFAULT).toEqual({ secretKeyRef: { name: 'db', key: 'url' } });
    expect(JSON.parse(find(o, 'ConfigMap', 'server-rucio-server.config.common').data['common.json'])).toEqual({
      database: { pool_size: '5' },
    });
  });

  it('adds an Ingress with TLS by Secret name', () => {
    const o = serverObjects({
      ingress: {
        enabled: true,
        ingressClassName: 'nginx',
        hosts: ['rucio.example.org'],
        tls: [{ secretName: 'rucio-tls' }],
      },
    });
    const ing = find(o, 'Ingress', 'server-rucio-server');
    expect(ing.spec.rules[0].http.paths[0].backend).toEqual({
      service: { name: 'server-rucio-server', port: { number: 80 } },
    });
    expect(ing.spec.tls).toEqual([{ secretName: 'rucio-tls', hosts: ['rucio.example.org'] }]);
  });
});

describe('RucioServer and the policy pack', () => {
  it('declares that the error-log sidecar has no health signal, only when it runs', () => {
    expect(deployment(serverObjects({})).metadata.annotations).toMatchObject({
      'policy.rucio-gitops/no-probe-signal': 'httpd-error-log',
    });
    expect(deployment(serverObjects({ exposeErrorLogs: false })).metadata.annotations).not.toHaveProperty(
      'policy.rucio-gitops/no-probe-signal',
    );
  });

  it('declares that the rucio-server image runs as root and writes its root file system, with the reasons', () => {
    const a = deployment(serverObjects({ exposeErrorLogs: false })).metadata.annotations;
    expect(a['policy.rucio-gitops/runs-as-root']).toBe('rucio-server');
    expect(a['policy.rucio-gitops/runs-as-root.reason']).toMatch(/httpd binds ports 80 and 443/);
    expect(a['policy.rucio-gitops/writable-root-fs']).toBe('rucio-server');
    expect(a['policy.rucio-gitops/writable-root-fs.reason']).toMatch(/renders rucio\.cfg/);
  });
});
