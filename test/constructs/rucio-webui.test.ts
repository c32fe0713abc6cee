/**
 * RucioWebui: the rucio-webui chart's object contract (names, selector, ports, env mapping, Service, Ingress) and what
 * we do better (probes, resources, pinned images, a checksum that rolls the pods). Built from its plan alone.
 */
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { RucioWebui } from '../../constructs/rucio/rucio-webui.js';
import { planWebui } from '../../src/plan/rucio-webui.js';
import { rucioWebuiSchema } from '../../values/rucio-webui.js';
import { runChecks } from '../../src/checks/index.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { ENVIRONMENTS, type Obj } from '../helpers.js';

const REQUIRED = {
  config: {
    webui: {
      rucio_host: 'https://rucio.example.org',
      rucio_auth_host: 'https://rucio-auth.example.org',
      hostname: 'rucio-ui.example.org',
    },
  },
};

/** The objects of one WebUI release built from chart values (merged over the required keys). */
function build(release: string, values: Record<string, unknown> = {}): Obj[] {
  const merged = {
    ...REQUIRED,
    ...values,
    config: {
      ...REQUIRED.config,
      ...(values.config as object),
      webui: { ...REQUIRED.config.webui, ...((values.config as { webui?: object })?.webui ?? {}) },
    },
  };
  const chart = Testing.chart();
  new RucioWebui(chart, 'Release', planWebui(release, rucioWebuiSchema.parse(merged)));
  return Testing.synth(chart) as Obj[];
}

const find = (objects: Obj[], kind: string) => objects.find((o) => o.kind === kind);
const webui = (d: Obj) => d.spec.template.spec.containers.find((c: Obj) => c.name === 'rucio-webui');
const envMap = (c: Obj) => Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));

describe('RucioWebui over HTTP', () => {
  const objects = build('web', { useSSL: false, replicaCount: 2 });
  const d = find(objects, 'Deployment')!;

  it('names the Deployment and Service <release>-rucio-webui and selects by app and release', () => {
    expect(d.metadata.name).toBe('web-rucio-webui');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'rucio-webui', release: 'web' } });
    expect(d.metadata.labels).toMatchObject({ app: 'rucio-webui', chart: 'rucio-webui-40.0.0', release: 'web' });
    const svc = find(objects, 'Service')!;
    expect(svc.metadata.name).toBe('web-rucio-webui');
    expect(svc.spec.selector).toEqual({ app: 'rucio-webui', release: 'web' });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(find(objects, 'Ingress')).toBeUndefined();
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
  });

  it('maps config.webui, config.httpd and the VOs to RUCIO_WEBUI_* / RUCIO_HTTPD_* with the chart defaults', () => {
    const env = envMap(webui(d));
    expect(env).toMatchObject({
      RUCIO_WEBUI_RUCIO_HOST: 'https://rucio.example.org',
      RUCIO_WEBUI_RUCIO_AUTH_HOST: 'https://rucio-auth.example.org',
      RUCIO_WEBUI_HOSTNAME: 'rucio-ui.example.org',
      RUCIO_WEBUI_RULE_ACTIVITY: 'User Subscriptions',
      RUCIO_WEBUI_VO_DEFAULT: 'def',
      RUCIO_WEBUI_VO_DEF_NAME: 'default',
      RUCIO_WEBUI_ENABLE_SSL: 'False',
      RUCIO_HTTPD_MPM_MODE: 'event',
      RUCIO_HTTPD_THREADS_LIMIT: '128',
      RUCIO_ENABLE_LOGS: 'True',
      RUCIO_LOG_LEVEL: 'INFO',
    });
    const names = webui(d).env.map((e: Obj) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('probes GET / on the http port, with requests and limits on every container and pinned images', () => {
    const c = webui(d);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 80, protocol: 'TCP' }]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/', port: 'http', scheme: 'HTTP' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/', port: 'http', scheme: 'HTTP' });
    for (const container of d.spec.template.spec.containers) {
      expect(container.resources.requests, container.name).toBeDefined();
      expect(container.resources.limits, container.name).toBeDefined();
      expect(container.image).toMatch(/:[^:/]+$/);
      expect(container.image).not.toMatch(/:latest$/);
    }
    expect(d.spec.template.spec.containers.map((x: Obj) => x.name)).toEqual([
      'httpd-error-log',
      'webui-log',
      'rucio-webui',
    ]);
    expect(d.metadata.annotations['policy.rucio-gitops/no-probe-signal']).toBe('httpd-error-log,webui-log');
  });
});

describe('RucioWebui over HTTPS, with OIDC, VOs and an Ingress', () => {
  const values = {
    fullnameOverride: 'webui',
    tlsSecretName: 'webui-hostcert',
    hostname: 'rucio-ui.example.org',
    service: { useExternalDNS: true },
    ingress: { enabled: true, hosts: ['rucio-ui.example.org'], tls: [{ secretName: 'webui-tls' }] },
    config: {
      webui: { oidc_enabled: true, oidc_providers: 'cern', multivo_enabled: true, vo_list: 'def,atl' },
      oidc_providers: {
        cern: {
          client_id: 'rucio-webui',
          client_secret: { secretKeyRef: { name: 'webui-oidc', key: 'cern' } },
          token_url: 'https://auth.example.org/token',
        },
      },
      vo: { def: { name: 'default' }, atl: { name: 'atlas', oidc_enabled: false } },
      logs: { exposeHttpdLogs: false, exposeWebuiLogs: false },
    },
  };
  const objects = build('web', values);
  const d = find(objects, 'Deployment')!;
  const env = envMap(webui(d));

  it('serves 443: Service https, probes over HTTPS, certificate from the TLS Secret', () => {
    expect(d.metadata.name).toBe('webui');
    const svc = find(objects, 'Service')!;
    expect(svc.spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
    expect(svc.metadata.annotations).toEqual({ 'external-dns.alpha.kubernetes.io/hostname': 'rucio-ui.example.org' });
    const c = webui(d);
    expect(c.ports.map((p: Obj) => p.name)).toEqual(['http', 'https']);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/', port: 'https', scheme: 'HTTPS' });
    expect(env.RUCIO_WEBUI_ENABLE_SSL).toBe('True');
    expect(c.volumeMounts).toEqual([
      { name: 'hostcert', mountPath: '/etc/grid-security/hostcert.pem', subPath: 'tls.crt', readOnly: true },
      { name: 'hostcert', mountPath: '/etc/grid-security/hostkey.pem', subPath: 'tls.key', readOnly: true },
    ]);
    expect(d.spec.template.spec.containers.map((x: Obj) => x.name)).toEqual(['rucio-webui']);
  });

  it('maps OIDC providers and VOs to RUCIO_WEBUI_OIDC_PROVIDER_<P>_<K> / RUCIO_WEBUI_VO_<VO>_<K>; secrets by reference', () => {
    expect(env).toMatchObject({
      RUCIO_WEBUI_OIDC_ENABLED: 'True',
      RUCIO_WEBUI_OIDC_PROVIDERS: 'cern',
      RUCIO_WEBUI_OIDC_PROVIDER_CERN_CLIENT_ID: 'rucio-webui',
      RUCIO_WEBUI_OIDC_PROVIDER_CERN_TOKEN_URL: 'https://auth.example.org/token',
      RUCIO_WEBUI_OIDC_PROVIDER_CERN_CLIENT_SECRET: { secretKeyRef: { name: 'webui-oidc', key: 'cern' } },
      RUCIO_WEBUI_VO_ATL_NAME: 'atlas',
      RUCIO_WEBUI_VO_ATL_OIDC_ENABLED: 'False',
      RUCIO_WEBUI_VO_DEF_NAME: 'default',
    });
  });

  it('writes the Ingress with the Service port and the TLS Secret by name', () => {
    const ing = find(objects, 'Ingress')!;
    expect(ing.metadata.name).toBe('webui');
    expect(ing.spec.rules[0].http.paths[0]).toEqual({
      path: '/',
      pathType: 'Prefix',
      backend: { service: { name: 'webui', port: { number: 443 } } },
    });
    expect(ing.spec.tls).toEqual([{ secretName: 'webui-tls', hosts: ['rucio-ui.example.org'] }]);
  });
});

describe('the checksum rolls the pods exactly when the configuration changes', () => {
  const checksum = (values: Record<string, unknown>) =>
    find(build('web', { useSSL: false, ...values }), 'Deployment')!.spec.template.metadata.annotations[
      'checksum/config'
    ];

  it('changes with a WebUI setting, an OIDC secret reference or a mount, and not with the replica count', () => {
    const base = checksum({});
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum({ replicaCount: 3 })).toBe(base);
    expect(checksum({ config: { webui: { rule_activity: 'Express' } } })).not.toBe(base);
    expect(
      checksum({
        config: { oidc_providers: { cern: { client_secret: { secretKeyRef: { name: 'other', key: 'cern' } } } } },
      }),
    ).not.toBe(
      checksum({
        config: { oidc_providers: { cern: { client_secret: { secretKeyRef: { name: 'a', key: 'cern' } } } } },
      }),
    );
    expect(
      checksum({ secretMounts: [{ secretFullName: 'ca', mountPath: '/etc/grid-security/ca.pem', subPath: 'ca.pem' }] }),
    ).not.toBe(base);
  });

  it('renders nothing at replicaCount 0', () => {
    expect(build('web', { useSSL: false, replicaCount: 0 })).toEqual([]);
  });

  it('fails if a podLabel would change the selector', () => {
    expect(() =>
      planWebui('web', rucioWebuiSchema.parse({ ...REQUIRED, useSSL: false, podLabels: { app: 'x' } })),
    ).toThrow(/label 'app' is set by the release/);
  });
});

describe('the bundled WebUI release passes every check', () => {
  it('schemas, policy and secrets: no problem on apps/integration/webuiint/, and the object schema check can fail', async () => {
    const envs = loadEnvironments(ENVIRONMENTS, ['integration']);
    const files = renderEnvironments(envs);
    const webuiFiles = files.filter((f) => f.path.startsWith('apps/integration/webuiint/'));
    expect(webuiFiles.map((f) => f.path)).toEqual([
      'apps/integration/webuiint/Deployment.webuiint.k8s.yaml',
      'apps/integration/webuiint/Service.webuiint.k8s.yaml',
      'apps/integration/webuiint/kustomization.yaml',
    ]);
    const report = await runChecks(envs, files, { out: 'dist', partial: true });
    expect(report.problems.map((p) => p.format())).toEqual([]);
    expect(report.declared.join('\n')).toContain('Deployment/webuiint');
    // A misspelt field in the WebUI Deployment is caught by the same checks.
    const broken = files.map((f) =>
      f.path === 'apps/integration/webuiint/Deployment.webuiint.k8s.yaml'
        ? { ...f, object: { ...f.object!, spec: { ...(f.object!.spec as object), replica: 1 } } }
        : f,
    );
    const again = await runChecks(envs, broken, { out: 'dist', partial: true });
    expect(again.problems.map((p) => p.format()).join('\n')).toMatch(/Deployment\.webuiint\.k8s\.yaml.*replica/);
  });
});
