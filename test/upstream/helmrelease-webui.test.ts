/**
 * `output: helmrelease` for WebUI releases: a Flux HelmRelease of the rucio-webui chart with the checked values in the
 * chart's form. The fixture (test/fixtures/helmrelease-webui/ui.yaml) has an integration-like WebUI (OIDC, two VOs,
 * an Ingress, env vars from Secrets) and a plain-HTTP one.
 *
 * The chart-side comparison works like test/upstream/chart40-rendering.test.ts: what the chart renders is derived by
 * hand from its templates as read (rucio/helm-charts charts/rucio-webui: templates/deployment.yaml at 2710ac9b, the
 * env, ports and Deployment fields; templates/service.yaml at 04572dc1 and the values.yaml 36.0.4 `service.*` keys;
 * templates/ingress.yaml at 2fdeeab8; _helpers.tpl at 7fdbf5fc, the fullname and image rules) and written down here
 * as small functions over the values Helm would merge (the chart's defaults in
 * test/fixtures/chart40/webui-chart-defaults.yaml, then the HelmRelease's values: maps merge, `null` removes a key).
 * The same environment rendered to manifests must give the same env vars, ports, Service and Ingress.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateObject } from '../../src/checks/schema.js';
import { runChecks } from '../../src/checks/index.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { prerequisites } from '../../src/prerequisites/prerequisites.js';
import { renderEnvironments } from '../../src/synth/render.js';
import type { RenderedFile } from '../../src/synth/files.js';
import { CHARTS } from '../../values/charts.js';
import { cleanup, cli, REPO, replaceOnce, tempDir, type Obj } from '../helpers.js';

afterAll(cleanup);

const FIXTURE = join(REPO, 'test/fixtures/helmrelease-webui');
const CHART_DEFAULTS = parse(readFileSync(join(REPO, 'test/fixtures/chart40/webui-chart-defaults.yaml'), 'utf8'));
const RELEASES = ['webuiint', 'webuiplain'] as const;

function fixtureCopy(edit: (text: string) => string = (t) => t): string {
  const dir = tempDir();
  cpSync(FIXTURE, dir, { recursive: true });
  writeFileSync(join(dir, 'ui.yaml'), edit(readFileSync(join(dir, 'ui.yaml'), 'utf8')));
  return dir;
}

const render = (dir: string): RenderedFile[] => renderEnvironments(loadEnvironments(dir));
const objectAt = (files: readonly RenderedFile[], path: string): Obj => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} among ${files.map((x) => x.path).join(', ')}`);
  return f.object;
};

/** Helm's merge of a values file over the chart's defaults: maps merge, anything else replaces, `null` removes. */
function helmMerge(defaults: unknown, values: unknown): unknown {
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isMap(defaults) || !isMap(values)) return values;
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(values)) {
    if (v === null) delete out[k];
    else out[k] = k in out ? helmMerge(out[k], v) : v;
  }
  return out;
}

/** How Go's templates print a scalar (`quote` and `"{{ $val }}"`). */
const goText = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
/** Sprig's `snakecase | upper` of the keys used here (lowercase words and `_`). */
const snakeUpper = (k: string): string => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const sorted = (o: Record<string, unknown> | undefined) => Object.keys(o ?? {}).sort();

/** The chart's access log format for the WebUI (`RUCIO_LOG_FORMAT` in deployment.yaml, a single-quoted YAML string). */
const CHART_LOG_FORMAT = String.raw`[%{%Y-%m-%d %H:%M:%S}t]\t%v\t%h\t%{X-Forwarded-For}i\t%{X-Rucio-RequestId}i\t%>s\t%I\t%B\t%D\t\"%r\"\t\"%{X-Rucio-Auth-Token}i\"\t\"%{User-Agent}i\"\t%{X-Rucio-Script}i`;

/** The env list of the chart's `rucio-webui` container, in its order (deployment.yaml). */
function chartEnv(v: Obj): Obj[] {
  const env: Obj[] = [];
  for (const k of sorted(v.config.httpd))
    env.push({ name: `RUCIO_HTTPD_${snakeUpper(k)}`, value: goText(v.config.httpd[k]) });
  const explicit = new Set((v.additionalEnvs ?? []).map((e: Obj) => e.name));
  for (const k of sorted(v.config.webui))
    if (!explicit.has(`RUCIO_WEBUI_${k}`.toUpperCase()))
      env.push({ name: `RUCIO_WEBUI_${snakeUpper(k)}`, value: goText(v.config.webui[k]) });
  for (const p of sorted(v.config.oidc_providers))
    for (const k of sorted(v.config.oidc_providers[p]))
      env.push({
        name: `RUCIO_WEBUI_OIDC_PROVIDER_${snakeUpper(p)}_${snakeUpper(k)}`,
        value: goText(v.config.oidc_providers[p][k]),
      });
  for (const vo of sorted(v.config.vo))
    for (const k of sorted(v.config.vo[vo]))
      env.push({ name: `RUCIO_WEBUI_VO_${snakeUpper(vo)}_${snakeUpper(k)}`, value: goText(v.config.vo[vo][k]) });
  for (const k of sorted(v.optionalConfig)) env.push({ name: k.toUpperCase(), value: goText(v.optionalConfig[k]) });
  env.push({ name: 'RUCIO_LOG_LEVEL', value: 'INFO' });
  env.push({ name: 'RUCIO_ENABLE_LOGS', value: 'True' });
  env.push({ name: 'RUCIO_LOG_FORMAT', value: CHART_LOG_FORMAT });
  env.push({ name: 'RUCIO_WEBUI_ENABLE_SSL', value: v.useSSL ? 'True' : 'False' });
  env.push(...(v.additionalEnvs ?? []));
  return env;
}

/** The chart's fullname rule (_helpers.tpl). */
function chartFullname(release: string, v: Obj): string {
  if (v.fullnameOverride) return v.fullnameOverride;
  const name = v.nameOverride ?? 'rucio-webui';
  return release.includes(name) ? release : `${release}-${name}`;
}

/** What the chart renders that the comparison covers, from the merged values. */
function chartRender(release: string, v: Obj) {
  return {
    name: chartFullname(release, v),
    replicas: v.replicaCount,
    minReadySeconds: v.minReadySeconds,
    strategy:
      v.strategy.type === 'RollingUpdate'
        ? { type: v.strategy.type, rollingUpdate: v.strategy.rollingUpdate }
        : { type: v.strategy.type },
    image: `${v.imageRegistry ? `${v.imageRegistry.replace(/\/$/, '')}/` : ''}${v.image.repository}:${v.image.tag}`,
    imagePullPolicy: v.image.pullPolicy,
    env: chartEnv(v),
    ports: [{ name: 'http', containerPort: 80 }, ...(v.useSSL ? [{ name: 'https', containerPort: 443 }] : [])],
    resources: v.resources,
    // service.yaml as read: the port, target port and name from service.useSSL.
    service: {
      type: v.service.type,
      port: v.service.useSSL ? 443 : 80,
      targetPort: v.service.useSSL ? 'https' : 'http',
      name: v.service.useSSL ? 'https' : 'http',
      annotations: v.service.annotations,
    },
    // values.yaml 36.0.4's keys, which the rucio-server chart's service.yaml reads the same way.
    serviceByKeys: { port: v.service.port, targetPort: v.service.targetPort, name: v.service.name },
    ingress: v.ingress.enabled
      ? {
          annotations: v.ingress.annotations,
          ingressClassName: v.ingress.ingressClassName,
          hosts: v.ingress.hosts,
          path: v.ingress.path,
          port: v.service.port,
          tls: (v.ingress.tls ?? []).map((t: Obj) => ({ secretName: t.secretName, hosts: v.ingress.hosts })),
        }
      : undefined,
  };
}

/** An env list as a map, failing on a name set twice. */
function envMap(env: readonly Obj[]): Record<string, Obj> {
  const out: Record<string, Obj> = {};
  for (const e of env) {
    expect(out[e.name], `${e.name} set twice`).toBeUndefined();
    out[e.name] = e.valueFrom ? { valueFrom: e.valueFrom } : { value: e.value ?? '' };
  }
  return out;
}

describe('output: helmrelease for WebUI releases', () => {
  it('writes a HelmRelease of the rucio-webui chart and a HelmRepository per release, valid and checked', async () => {
    const files = render(FIXTURE);
    expect(files.filter((f) => f.path.startsWith('apps/ui/')).map((f) => f.path)).toEqual([
      'apps/ui/kustomization.yaml',
      'apps/ui/webuiint/HelmRelease.webuiint.k8s.yaml',
      'apps/ui/webuiint/HelmRepository.webuiint-rucio-charts.k8s.yaml',
      'apps/ui/webuiint/kustomization.yaml',
      'apps/ui/webuiplain/HelmRelease.webuiplain.k8s.yaml',
      'apps/ui/webuiplain/HelmRepository.webuiplain-rucio-charts.k8s.yaml',
      'apps/ui/webuiplain/kustomization.yaml',
    ]);
    for (const release of RELEASES) {
      const hr = objectAt(files, `apps/ui/${release}/HelmRelease.${release}.k8s.yaml`);
      expect(hr.spec.chart.spec).toEqual({
        chart: 'rucio-webui',
        version: CHARTS.rucioWebui.version,
        sourceRef: { kind: 'HelmRepository', name: `${release}-rucio-charts` },
        interval: '1h',
      });
      expect(await validateObject(hr)).toEqual([]);
      const repo = objectAt(files, `apps/ui/${release}/HelmRepository.${release}-rucio-charts.k8s.yaml`);
      expect(await validateObject(repo)).toEqual([]);
      expect(objectAt(files, `clusters/ui/Kustomization.rucio-app-${release}.k8s.yaml`).spec.path).toBe(
        `./apps/ui/${release}`,
      );
    }
    expect(CHARTS.rucioWebui.version).toMatch(/^40\.\d+\.\d+$/);
    const report = await runChecks(loadEnvironments(FIXTURE), files, { out: 'dist', partial: false });
    expect(report.problems.map((p) => p.format())).toEqual([]);
  });

  it('never writes a secret value: each secretKeyRef becomes an additionalEnvs entry of the chart', () => {
    const hr = objectAt(render(FIXTURE), 'apps/ui/webuiint/HelmRelease.webuiint.k8s.yaml').spec;
    expect(hr.valuesFrom).toBeUndefined();
    expect(hr.values.additionalEnvs).toEqual([
      {
        name: 'RUCIO_WEBUI_COMMUNITY_LOGO_URL',
        valueFrom: { secretKeyRef: { name: 'webui-branding', key: 'logo-url' } },
      },
      {
        name: 'RUCIO_WEBUI_OIDC_PROVIDER_CERN_CLIENT_SECRET',
        valueFrom: { secretKeyRef: { name: 'webui-oidc', key: 'cern' } },
      },
      { name: 'RUCIO_WEBUI_SESSION_PASSWORD', valueFrom: { secretKeyRef: { name: 'webui-session', key: 'password' } } },
    ]);
    // The chart writes `config` into its Secret <fullname>.config.yaml: no reference, no secret in it.
    expect(JSON.stringify(hr.values.config)).not.toContain('secretKeyRef');
    // The chart's own defaults are removed where ours does not set them (its empty client_secret, its logo).
    expect(hr.values.config.oidc_providers.cern.client_secret).toBeNull();
    expect(hr.values.config.webui.community_logo_url).toBeNull();
    // The strings the container gets, as the chart wants them.
    expect(hr.values.config.httpd.max_request_workers).toBe('640');
    expect(hr.values.config.webui.multivo_enabled).toBe('True');
    expect(hr.values.optionalConfig).toEqual({
      rucio_ca_path: '/etc/grid-security/certificates',
      rucio_webui_debug: 'False',
    });
  });

  it.each(RELEASES)(
    '%s: what the chart renders from these values is what the manifests output renders (env, ports, Service, Ingress)',
    (release) => {
      const hr = objectAt(render(FIXTURE), `apps/ui/${release}/HelmRelease.${release}.k8s.yaml`);
      const chart = chartRender(release, helmMerge(CHART_DEFAULTS, hr.spec.values) as Obj);
      const manifests = render(fixtureCopy((t) => replaceOnce(t, 'output: helmrelease\n', '')));
      const d = objectAt(manifests, `apps/ui/${release}/Deployment.${chart.name}.k8s.yaml`);
      const pod = d.spec.template.spec;
      expect(pod.containers.map((c: Obj) => c.name)).toEqual(['rucio-webui']);
      const c = pod.containers[0];
      expect(envMap(c.env)).toEqual(envMap(chart.env));
      expect(c.ports.map((p: Obj) => ({ name: p.name, containerPort: p.containerPort }))).toEqual(chart.ports);
      expect([c.image, c.imagePullPolicy, c.resources]).toEqual([chart.image, chart.imagePullPolicy, chart.resources]);
      expect([d.spec.replicas, d.spec.minReadySeconds, d.spec.strategy]).toEqual([
        chart.replicas,
        chart.minReadySeconds,
        chart.strategy,
      ]);
      const s = objectAt(manifests, `apps/ui/${release}/Service.${chart.name}.k8s.yaml`);
      const [port] = s.spec.ports;
      expect({ port: port.port, targetPort: port.targetPort, name: port.name }).toEqual({
        port: chart.service.port,
        targetPort: chart.service.targetPort,
        name: chart.service.name,
      });
      expect(chart.serviceByKeys).toEqual({ port: port.port, targetPort: port.targetPort, name: port.name });
      expect(s.spec.type).toBe(chart.service.type);
      expect(s.metadata.annotations ?? {}).toEqual(chart.service.annotations);
      const ingress = manifests.find((f) => f.path === `apps/ui/${release}/Ingress.${chart.name}.k8s.yaml`)?.object;
      if (!chart.ingress) {
        expect(ingress).toBeUndefined();
        return;
      }
      expect(ingress.metadata.annotations).toEqual(chart.ingress.annotations);
      expect(ingress.spec.ingressClassName).toBe(chart.ingress.ingressClassName);
      expect(ingress.spec.tls).toEqual(chart.ingress.tls);
      expect(
        ingress.spec.rules.map((r: Obj) => [r.host, r.http.paths[0].path, r.http.paths[0].backend.service.port.number]),
      ).toEqual(chart.ingress.hosts.map((h: string) => [h, chart.ingress!.path, chart.ingress!.port]));
    },
  );

  it('round-trips: import reads the HelmReleases back into values that write the same HelmReleases', async () => {
    const out = join(tempDir(), 'dist');
    expect((await cli('synth', '--environments', FIXTURE, '--out', out)).code).toBe(0);
    const back = tempDir();
    const imported = await cli(
      'import',
      '--name',
      'ui',
      ...RELEASES.flatMap((r) => ['--helmrelease', join(out, `apps/ui/${r}/HelmRelease.${r}.k8s.yaml`)]),
      '--out',
      join(back, 'ui.yaml'),
    );
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    // The key the older Service template reads is recognised as the chart's, and nothing is dropped.
    expect(imported.stdout).toContain("webui.webuiint.service.useSSL: moved in chart 33 to 'useSSL'");
    expect(imported.stdout).not.toContain('not imported');
    const flux = readFileSync(join(FIXTURE, 'ui.yaml'), 'utf8').split('\nflux:\n')[1]!;
    const text = readFileSync(join(back, 'ui.yaml'), 'utf8');
    writeFileSync(
      join(back, 'ui.yaml'),
      `${replaceOnce(text, 'namespace: rucio\n', 'namespace: rucio\noutput: helmrelease\n')}flux:\n${flux}`,
    );
    const again = join(tempDir(), 'dist');
    expect((await cli('synth', '--environments', back, '--out', again)).code).toBe(0);
    for (const r of RELEASES) {
      const path = `apps/ui/${r}/HelmRelease.${r}.k8s.yaml`;
      expect(readFileSync(join(again, path), 'utf8'), path).toBe(readFileSync(join(out, path), 'utf8'));
    }
  });

  it('prerequisites lists the Secrets the chart pods will read (env vars, mounts, the TLS Secret)', () => {
    const [ui] = prerequisites(render(FIXTURE));
    const secrets = Object.fromEntries(ui!.secrets.map((s) => [s.name, s]));
    expect(secrets['webui-oidc']!.keys).toEqual(['cern']);
    expect(secrets['webui-session']!.keys).toEqual(['password']);
    expect(secrets['webui-branding']!.usedBy).toEqual(['HelmRelease/webuiint']);
    expect(secrets['webuiint-hostcert']!.type).toBe('kubernetes.io/tls');
    expect(secrets['rucio-server-ca']!.keys).toEqual(['ca.pem']);
  });

  it('is byte-identical run to run, and one release may keep its manifests', () => {
    expect(render(FIXTURE).map((f) => [f.path, f.text])).toEqual(render(FIXTURE).map((f) => [f.path, f.text]));
    const paths = render(
      fixtureCopy((t) => replaceOnce(t, '  webuiplain:\n', '  webuiplain:\n    output: manifests\n')),
    ).map((f) => f.path);
    expect(paths).toContain('apps/ui/webuiplain/Deployment.webuiplain-rucio-webui.k8s.yaml');
    expect(paths).toContain('apps/ui/webuiint/HelmRelease.webuiint.k8s.yaml');
  });

  it.each([
    [
      'pod labels',
      (t: string) => replaceOnce(t, '    replicaCount: 2\n', '    replicaCount: 2\n    podLabels: {team: ui}\n'),
      /ui\.yaml:\d+ {2}webui\.webuiint\.podLabels: output: helmrelease installs the rucio-webui chart 40\.0\.0, which has no pod labels \(received \{"team":"ui"\}\): remove podLabels, or set output: manifests on this release/,
    ],
    [
      'pod annotations',
      (t: string) => replaceOnce(t, '    replicaCount: 2\n', '    replicaCount: 2\n    podAnnotations: {a: b}\n'),
      /webui\.webuiint\.podAnnotations: .* has no pod annotations/,
    ],
    [
      'probe timings (the chart has no probes)',
      (t: string) =>
        replaceOnce(t, '    replicaCount: 2\n', '    replicaCount: 2\n    readinessProbe: {periodSeconds: 30}\n'),
      /webui\.webuiint\.readinessProbe: .* has no readinessProbe/,
    ],
    [
      'log sidecar resources',
      (t: string) =>
        replaceOnce(
          t,
          '    replicaCount: 2\n',
          '    replicaCount: 2\n    logSidecarResources: {requests: {cpu: 5m, memory: 8Mi}, limits: {cpu: 10m, memory: 16Mi}}\n',
        ),
      /webui\.webuiint\.logSidecarResources: .* sets no resources on its log sidecars/,
    ],
    [
      "the log sidecars (the chart's busybox has no tag)",
      (t: string) =>
        replaceOnce(
          t,
          '        hostname: rucio-ui.example.org\n      logs: { exposeHttpdLogs: false, exposeWebuiLogs: false }\n',
          '        hostname: rucio-ui.example.org\n',
        ),
      /ui\.yaml:\d+ {2}webui\.webuiplain\.config\.logs\.exposeHttpdLogs: .* runs its log sidecars as busybox without a tag/,
    ],
    [
      'a Service port other than the one useSSL gives',
      (t: string) => replaceOnce(t, '      type: LoadBalancer\n', '      type: LoadBalancer\n      port: 8443\n'),
      /ui\.yaml:\d+ {2}webui\.webuiint\.service\.port: .* derives the Service's port from useSSL \(443 here\) \(received 8443\): remove service\.port/,
    ],
    [
      'implicit Secrets besides tlsSecretName (two mounts on one path)',
      (t: string) =>
        replaceOnce(
          t,
          '    useSSL: false\n',
          '    useSSL: true\n    tlsSecretName: plain-hostcert\n    useDeprecatedImplicitSecrets: true\n',
        ),
      /webui\.webuiplain\.useDeprecatedImplicitSecrets: .* mounts the implicit hostcert and hostkey Secrets and the tlsSecretName on the same paths/,
    ],
    [
      'an optionalConfig value its double quotes would break',
      (t: string) => replaceOnce(t, 'rucio_webui_debug: false }', `rucio_webui_debug: false, rucio_motd: 'say "hi"' }`),
      /webui\.webuiint\.optionalConfig\.rucio_motd: .* writes optionalConfig values inside double quotes without escaping them, which the value would break \(received "say \\"hi\\""\)/,
    ],
    [
      'a TLS entry with its own hosts (the chart puts all hosts into each)',
      (t: string) =>
        replaceOnce(
          t,
          '[{ secretName: webuiint-ingress-tls }]',
          '[{ secretName: webuiint-ingress-tls, hosts: [other.example.org] }]',
        ),
      /webui\.webuiint\.ingress\.tls\.0\.hosts: .* puts every host of ingress\.hosts into each TLS entry/,
    ],
    [
      'a defaultMode on a Secret mount',
      (t: string) => replaceOnce(t, '        subPath: ca.pem\n', '        subPath: ca.pem\n        defaultMode: 256\n'),
      /webui\.webuiint\.secretMounts\.0\.defaultMode: .* sets no defaultMode on Secret volumes/,
    ],
  ])('refuses %s at the key, and writes nothing', async (_what, edit, message) => {
    const dir = fixtureCopy(edit);
    const out = join(tempDir(), 'dist');
    const r = await cli('synth', '--environments', dir, '--out', out);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/or set output: manifests on this release/);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a literal OIDC client secret like manifest mode, without printing it', async () => {
    const dir = fixtureCopy((t) =>
      replaceOnce(
        t,
        'client_secret: { secretKeyRef: { name: webui-oidc, key: cern } }',
        'client_secret: Zq8vN3xR7tLp2WmK9sYc',
      ),
    );
    const out = join(tempDir(), 'dist');
    const r = await cli('synth', '--environments', dir, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ui\.yaml:\d+ {2}webui\.webuiint\.config\.oidc_providers\.cern\.client_secret/);
    expect(r.stderr).not.toContain('Zq8vN3xR7tLp2WmK9sYc');
    expect(existsSync(out)).toBe(false);
  });
});
