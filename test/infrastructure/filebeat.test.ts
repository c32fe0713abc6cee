/**
 * filebeat: the generated filebeat.yml against the typed model of the options used, and explicit checks of its
 * inputs, processors (including what they drop, run on sample lines), output, state on the node, and RBAC.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  HEALTH_CHECK_PATTERNS,
  JSON_LINE_PATTERN,
  SECRET_LINE_PATTERNS,
  filebeatConfigSchema,
  type FilebeatConfig,
} from '../../constructs/observability/filebeat.js';
import { buildEnvironment } from '../../src/synth/render.js';
import { editedEnvironments, loadEnv, object, renderBundled } from './helpers.js';

const files = renderBundled();
const dir = (env: string) => `infrastructure/${env}/filebeat`;

function config(env: string): FilebeatConfig {
  const cm = object(files, `${dir(env)}/ConfigMap.filebeat.k8s.yaml`) as unknown as { data: Record<string, string> };
  return filebeatConfigSchema.parse(parse(cm.data['filebeat.yml']!));
}

describe('filebeat.yml', () => {
  for (const env of ['integration', 'production']) {
    it(`${env}: matches the typed model (strict: no option outside it)`, () => {
      const cm = object(files, `${dir(env)}/ConfigMap.filebeat.k8s.yaml`) as unknown as {
        data: Record<string, string>;
      };
      const result = filebeatConfigSchema.safeParse(parse(cm.data['filebeat.yml']!));
      expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
    });
  }

  it('the model refuses an option it does not know', () => {
    const raw = parse((object(files, `${dir('integration')}/ConfigMap.filebeat.k8s.yaml`) as any).data['filebeat.yml']);
    expect(filebeatConfigSchema.safeParse({ ...raw, 'output.elasticsearch': { hosts: ['x:9200'] } }).success).toBe(
      false,
    );
  });

  it("reads the Rucio namespace's container logs, with the CRI/docker parser", () => {
    const input = config('integration')['filebeat.inputs'][0]!;
    expect(input.paths).toEqual(['/var/log/containers/*_rucio_*.log']);
    expect(input.parsers).toEqual([{ container: { stream: 'all', format: 'auto' } }]);
  });

  it("ships the WebUI's logs: every container of the WebUI pods is read, and its app/release labels are kept", () => {
    const d = object(files, 'apps/integration/webuiint/Deployment.webuiint.k8s.yaml') as any;
    const input = config('integration')['filebeat.inputs'][0]!;
    const globs = input.paths.map(
      (g) => new RegExp(`^${g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`),
    );
    const containers = d.spec.template.spec.containers.map((c: { name: string }) => c.name);
    expect(containers).toEqual(['httpd-error-log', 'webui-log', 'rucio-webui']);
    for (const c of containers) {
      // The kubelet's name for a container's log: <pod>_<namespace>_<container>-<container id>.log
      const file = `/var/log/containers/webuiint-6d5f8b7c9-x2kq4_${d.metadata.namespace}_${c}-0123456789abcdef.log`;
      expect(
        globs.some((g) => g.test(file)),
        file,
      ).toBe(true);
    }
    const labels = input.processors[0].add_kubernetes_metadata.include_labels;
    for (const key of Object.keys(d.spec.template.metadata.labels)) expect(labels).toContain(key);
  });

  it('processors: Kubernetes metadata, then secrets dropped, then health checks dropped, then JSON decoded', () => {
    const p = config('integration')['filebeat.inputs'][0]!.processors;
    expect(p.map((x) => Object.keys(x)[0])).toEqual([
      'add_kubernetes_metadata',
      'drop_event',
      'drop_event',
      'decode_json_fields',
    ]);
    const k8s = p[0].add_kubernetes_metadata;
    expect(k8s.host).toBe('${NODE_NAME}');
    expect(k8s.include_labels).toEqual(expect.arrayContaining(['app-group', 'rucio-daemon', 'app', 'release']));
    expect(k8s.add_resource_metadata).toMatchObject({ deployment: false, cronjob: false });
    expect(p[1].drop_event.when.or.map((c) => c.regexp.message)).toEqual([...SECRET_LINE_PATTERNS]);
    expect(p[3].decode_json_fields).toMatchObject({
      fields: ['message'],
      target: 'rucio',
      when: { regexp: { message: JSON_LINE_PATTERN } },
    });
  });

  it('the drop rules drop what they must and keep the rest', () => {
    const secret = SECRET_LINE_PATTERNS.map((s) => new RegExp(s));
    const health = [
      (l: string) => l.includes(HEALTH_CHECK_PATTERNS[0]),
      (l: string) => new RegExp(HEALTH_CHECK_PATTERNS[1]).test(l),
    ];
    const dropped = (l: string) => secret.some((r) => r.test(l)) || health.some((h) => h(l));
    expect(
      dropped('2026-03-05 11:46:09\t42\tDEBUG\tconnecting to oracle://atlas_rucio:s3cr3t@db.example.org:1521/int'),
    ).toBe(true);
    expect(dropped('engine postgresql+psycopg2://rucio@db.example.org/rucio created')).toBe(true);
    expect(dropped('fetching https://user:password@fts3.example.org:8446/jobs')).toBe(true);
    expect(
      dropped(
        '[2026-03-05 11:46:09]\trucio-int.example.org\t10.0.0.1\t-\t-\t200\t0\t4\t900\t"GET /ping HTTP/1.1"\t"-"\t"kube-probe/1.18"',
      ),
    ).toBe(true);
    expect(
      dropped(
        '[2026-03-05 11:46:09]\trucio-int.example.org\t10.0.0.1\t-\t-\t200\t0\t4\t900\t"GET /ping HTTP/1.0"\t"-"\t"-"',
      ),
    ).toBe(true);
    expect(
      dropped(
        '[2026-03-05 11:46:09]\trucio-int.example.org\t10.0.0.1\t-\tabc\t200\t0\t4\t900\t"GET /replicas/list HTTP/1.1"\t"root"\t"rucio-clients/36"',
      ),
    ).toBe(false);
    expect(dropped('Finding and repairing stuck locks for rule 28076fb7731f489b941982aac29ce849')).toBe(false);
    expect(dropped('submitting to https://fts3.example.org:8446')).toBe(false);
    expect(new RegExp(JSON_LINE_PATTERN).test('{"message": "x", "process": {"name": "judge-evaluator"}}')).toBe(true);
    expect(new RegExp(JSON_LINE_PATTERN).test('2026-03-05 DEBUG plain')).toBe(false);
  });

  it('ships to logstash.example.org:5044 with back-pressure settings, keeping its registry on the node', () => {
    for (const env of ['integration', 'production']) {
      const c = config(env);
      expect(c['output.logstash'].hosts).toEqual(['logstash.example.org:5044']);
      expect(c['output.logstash']).toMatchObject({ loadbalance: true, 'ssl.enabled': false });
      expect(c['queue.mem'].events).toBeGreaterThan(0);
      expect(c.fields).toEqual({ environment: env, type: 'rucio-k8s-logs' });
    }
    const ds = object(files, `${dir('integration')}/DaemonSet.filebeat.k8s.yaml`) as any;
    const spec = ds.spec.template.spec;
    const data = spec.volumes.find((v: { name: string }) => v.name === 'data');
    expect(data.hostPath).toEqual({ path: '/var/lib/rucio-filebeat', type: 'DirectoryOrCreate' });
    expect(spec.containers[0].volumeMounts).toContainEqual({
      name: 'data',
      mountPath: config('integration')['path.data'],
    });
    expect(spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(spec.serviceAccountName).toBe('filebeat');
    expect(spec.containers[0].env).toEqual([
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ]);
    expect(spec.containers[0].resources.limits).toBeDefined();
    expect(spec.containers[0].livenessProbe.httpGet.port).toBe('monitoring');
    expect(ds.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('TLS towards logstash takes its certificates from a Secret', () => {
    const envDir = editedEnvironments('_rucio.yaml', (doc) =>
      doc.setIn(
        ['filebeat', 'logstash', 'tls'],
        doc.createNode({ secretName: 'logstash-client', clientCertificate: true }),
      ),
    );
    const folder = buildEnvironment(loadEnv('integration', envDir)).find((f) => f.folder === dir('integration'))!;
    const cm = folder.objects.find((o) => o.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
    const c = filebeatConfigSchema.parse(parse(cm.data['filebeat.yml']!));
    expect(c['output.logstash']).toMatchObject({
      'ssl.enabled': true,
      'ssl.verification_mode': 'full',
      'ssl.certificate_authorities': ['/etc/filebeat/tls/ca.crt'],
      'ssl.certificate': '/etc/filebeat/tls/tls.crt',
      'ssl.key': '/etc/filebeat/tls/tls.key',
    });
    const ds = folder.objects.find((o) => o.kind === 'DaemonSet') as any;
    expect(ds.spec.template.spec.volumes).toContainEqual({
      name: 'tls',
      secret: { secretName: 'logstash-client', defaultMode: 0o400 },
    });
  });
});

describe('filebeat RBAC', () => {
  it("a ClusterRole limited to get/list/watch of pods, namespaces and nodes, bound to filebeat's ServiceAccount", () => {
    const role = object(files, `${dir('integration')}/ClusterRole.rucio-filebeat-rucio.k8s.yaml`) as any;
    expect(role.metadata.namespace).toBeUndefined();
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['namespaces', 'nodes', 'pods'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = object(files, `${dir('integration')}/ClusterRoleBinding.rucio-filebeat-rucio.k8s.yaml`) as any;
    expect(binding.metadata.namespace).toBeUndefined();
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'rucio-filebeat-rucio',
    });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'filebeat', namespace: 'rucio' }]);
    const sa = object(files, `${dir('integration')}/ServiceAccount.filebeat.k8s.yaml`) as any;
    expect(sa.metadata.namespace).toBe('rucio');
    const kinds = [...files.keys()]
      .filter((p) => p.startsWith(`${dir('integration')}/`))
      .map((p) => p.split('/').pop()!.split('.')[0]);
    expect(kinds.sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'DaemonSet',
      'ServiceAccount',
      'kustomization',
    ]);
  });
});
