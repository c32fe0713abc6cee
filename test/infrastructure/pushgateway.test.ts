/**
 * The Pushgateway and the probes: the real `prometheus-pushgateway` on loopback receives a push exactly as a
 * configured probe sends it (its job name, the `[monitor] prometheus_labels` grouping key), serves it on /metrics,
 * and still has it after a restart with the generated persistence arguments.
 */
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pushPath } from '../../constructs/observability/pushgateway.js';
import { buildEnvironment } from '../../src/synth/render.js';
import { Processes, editedEnvironments, freePort, loadEnv, object, renderBundled, waitFor } from './helpers.js';
import { describeWithTools } from '../tools.js';

const files = renderBundled();
const procs = new Processes();
afterAll(() => procs.stopAll());

function http(method: string, port: number, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        timeout: 5_000,
        headers: body ? { 'content-type': 'text/plain; version=0.0.4' } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end(body);
  });
}

/** The `[monitor]` section of a rendered conf.d ConfigMap. */
function monitor(path: string): Record<string, string> {
  const cm = object(files, path) as unknown as { data: { 'common.json': string } };
  return JSON.parse(cm.data['common.json']).monitor;
}

describe('the Pushgateway objects keep the contract', () => {
  it('Deployment and Service pushgateway, port 9091 named http, persistence on a claim', () => {
    const svc = object(files, 'infrastructure/integration/pushgateway/Service.pushgateway.k8s.yaml') as any;
    expect(svc.metadata.namespace).toBe('rucio');
    expect(svc.metadata.labels['app.kubernetes.io/name']).toBe('pushgateway');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 9091, protocol: 'TCP', targetPort: 'http' }]);
    const dep = object(files, 'infrastructure/integration/pushgateway/Deployment.pushgateway.k8s.yaml') as any;
    const c = dep.spec.template.spec.containers[0];
    expect(c.args).toContain('--persistence.file=/data/metrics');
    expect(c.volumeMounts).toEqual([{ mountPath: '/data', name: 'data' }]);
    expect(dep.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe('pushgateway');
    expect(dep.spec.strategy.type).toBe('Recreate');
    expect(c.image).toMatch(/^prom\/pushgateway:v\d+\.\d+\.\d+$/);
    expect(c.readinessProbe.httpGet.path).toBe('/-/ready');
    object(files, 'infrastructure/integration/pushgateway/PersistentVolumeClaim.pushgateway.k8s.yaml');
    // Production scrapes through the Prometheus Operator: its monitoring component scrapes the Pushgateway.
    const sm = object(files, 'infrastructure/production/monitoring/ServiceMonitor.pushgateway.k8s.yaml') as any;
    expect(sm.spec.endpoints[0].honorLabels).toBe(true);
    expect(sm.spec.namespaceSelector.matchNames).toEqual(['rucio']);
  });
});

describe('[monitor] wiring', () => {
  it('every Rucio release and the probes push to the in-cluster Pushgateway with the environment as label', () => {
    const paths = [...files.keys()].filter(
      (p) =>
        /^apps\/[^/]+\/[^/]+\/ConfigMap\.[^/]*config\.common\.k8s\.yaml$/.test(p) ||
        p.endsWith('ConfigMap.rucio-probes.config.common.k8s.yaml'),
    );
    expect(paths.length).toBeGreaterThanOrEqual(6);
    for (const p of paths) {
      const env = p.split('/')[1]!;
      expect(monitor(p), p).toMatchObject({
        prometheus_servers: 'pushgateway.rucio.svc:9091',
        prometheus_prefix: 'rucio_',
        prometheus_labels: JSON.stringify({ environment: env }),
      });
      // Daemons serve their own metrics; a server must not (every mod_wsgi process would bind the port), nor the probes.
      expect(monitor(p).enable_metrics, p).toBe(
        p.startsWith('apps/') && !p.includes('rucio-server') ? 'True' : undefined,
      );
    }
  });

  it('keeps what the environment file sets, and leaves the parsed values untouched', () => {
    const dir = editedEnvironments('integration.yaml', (doc) => {
      doc.setIn(
        ['servers', 'serverint', 'config', 'monitor'],
        doc.createNode({ prometheus_prefix: 'atlas_', prometheus_labels: '{"rucioInstance":"int"}' }),
      );
    });
    const env = loadEnv('integration', dir);
    const before = JSON.stringify(env.values);
    const folders = buildEnvironment(env);
    expect(JSON.stringify(env.values)).toBe(before);
    expect(env.values.servers.serverint!.config.monitor).not.toHaveProperty('prometheus_servers');
    const cm = folders
      .find((f) => f.folder === 'apps/integration/serverint')!
      .objects.find((o) => o.kind === 'ConfigMap')! as unknown as { data: { 'common.json': string } };
    expect(JSON.parse(cm.data['common.json']).monitor).toMatchObject({
      prometheus_servers: 'pushgateway.rucio.svc:9091',
      prometheus_prefix: 'atlas_',
      prometheus_labels: '{"rucioInstance":"int"}',
    });
    const daemons = folders
      .find((f) => f.folder === 'apps/integration/daemonint')!
      .objects.find((o) => o.kind === 'ConfigMap' && JSON.stringify(o).includes('prometheus_'))!;
    expect(JSON.stringify(daemons)).toContain('rucio_');
  });

  it('a configured address replaces the in-cluster one', () => {
    const dir = editedEnvironments('_rucio.yaml', (doc) =>
      doc.setIn(['pushgateway', 'address'], 'pushgateway.monitoring.example.org:9091'),
    );
    const folders = buildEnvironment(loadEnv('production', dir));
    const text = JSON.stringify(folders.find((f) => f.folder === 'infrastructure/production/probes')!.objects);
    expect(text).toContain('pushgateway.monitoring.example.org:9091');
  });
});

describeWithTools(['pushgateway'], 'a real prometheus-pushgateway receives a push as the probes send it', () => {
  it('push, read back from /metrics, restart, read back again', async () => {
    // What the probes are configured with.
    const probesConfig = monitor('infrastructure/integration/probes/ConfigMap.rucio-probes.config.common.k8s.yaml');
    const [host, port] = probesConfig.prometheus_servers!.split(':');
    expect(host).toBe('pushgateway.rucio.svc');
    expect(port).toBe('9091');
    const grouping = JSON.parse(probesConfig.prometheus_labels!) as Record<string, string>;
    const crontab = (
      parse(files.get('infrastructure/integration/probes/ConfigMap.rucio-probes-crontab.k8s.yaml')!) as any
    ).data.probes as string;
    const job = /\/probes\/common\/(\S+)/.exec(crontab)![1]!;
    expect(job).toBe('check_expired_dids');

    // The Pushgateway as deployed: the generated arguments, with the listen address and data path made local.
    const dep = object(files, 'infrastructure/integration/pushgateway/Deployment.pushgateway.k8s.yaml') as any;
    const data = mkdtempSync(join(tmpdir(), 'rucio-pushgateway-'));
    const local = await freePort();
    const args = (dep.spec.template.spec.containers[0].args as string[]).map((a) =>
      a.startsWith('--web.listen-address=')
        ? `--web.listen-address=127.0.0.1:${local}`
        : a.replace('/data/', `${data}/`),
    );
    const start = async () => {
      const child = procs.start('prometheus-pushgateway', args);
      await waitFor('the Pushgateway ready', async () => {
        if (child.exitCode !== null) throw new Error(`prometheus-pushgateway exited: ${procs.output.get(child)}`);
        return (await http('GET', local, '/-/ready')).status === 200 ? true : undefined;
      });
      return child;
    };
    let gateway = await start();

    // The probe's push: prometheus_client's push_to_gateway (PUT) to /metrics/job/<job>/<label>/<value>.
    const path = pushPath(job, grouping);
    expect(path).toBe('/metrics/job/check_expired_dids/environment/integration');
    const put = await http('PUT', local, path, '# TYPE undertaker_expired_dids gauge\nundertaker_expired_dids 42\n');
    expect(put.status).toBe(200);

    const line = /^undertaker_expired_dids\{(.*)\} (\S+)$/m;
    const read = async () => {
      const m = line.exec((await http('GET', local, '/metrics')).body);
      expect(m, 'the pushed metric on /metrics').not.toBeNull();
      return m!;
    };
    let m = await read();
    expect(m[1]).toContain('job="check_expired_dids"');
    expect(m[1]).toContain('environment="integration"');
    expect(m[2]).toBe('42');

    // Persistence: the metric survives a restart (the gateway writes its file on shutdown).
    await procs.stop(gateway);
    gateway = await start();
    m = await read();
    expect(m[1]).toContain('environment="integration"');
    expect(m[2]).toBe('42');
    await procs.stop(gateway);
  });
});
