/**
 * The Grafana dashboards: ConfigMaps the sidecar loads, valid dashboard JSON, panels for each deployed daemon, and every
 * PromQL query (dashboards and KEDA triggers) accepted by promtool.
 */
import { pushgatewaySchema } from '../../values/pushgateway.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Dashboard, Panel } from '../../constructs/observability/dashboards.js';
import { type KubeObject, type RenderedFolder } from '../../src/synth/files.js';
import { buildEnvironment } from '../../src/synth/render.js';
import { bundled, envFiles, loadFrom, objects, promtool, tmp } from './helpers.js';
import { itWithTools } from '../tools.js';

function dashboards(folders: readonly RenderedFolder[]): { cm: KubeObject & { folder: string }; json: Dashboard }[] {
  return objects(folders)
    .filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('rucio-dashboard-'))
    .map((cm) => {
      const data = (cm as unknown as { data: Record<string, string> }).data;
      expect(Object.keys(data)).toHaveLength(1);
      return { cm, json: JSON.parse(Object.values(data)[0]!) as Dashboard };
    });
}

/** Checks the dashboard model Grafana needs: unique ids, a grid inside 24 columns without overlaps, queries on the datasource variable. */
function checkDashboard(d: Dashboard): void {
  expect(d.uid.length).toBeLessThanOrEqual(40);
  expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
  expect((d.templating as { list: { name: string; type: string }[] }).list).toContainEqual(
    expect.objectContaining({ name: 'datasource', type: 'datasource' }),
  );
  const ids = d.panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  const cells = new Set<string>();
  for (const p of d.panels) {
    const g = p.gridPos;
    expect(g.x + g.w, p.title).toBeLessThanOrEqual(24);
    for (let x = g.x; x < g.x + g.w; x++) {
      for (let y = g.y; y < g.y + g.h; y++) {
        expect(cells.has(`${x},${y}`), `${p.title} overlaps`).toBe(false);
        cells.add(`${x},${y}`);
      }
    }
    if (p.type === 'row') continue;
    expect(p.targets!.length).toBeGreaterThan(0);
    for (const t of p.targets!) {
      expect(t.expr.length).toBeGreaterThan(0);
      expect(t.datasource.uid).toBe('${datasource}');
    }
  }
}

describe('dashboards', () => {
  it('ships the production dashboards as ConfigMaps Grafana loads, with valid JSON', () => {
    const found = dashboards(buildEnvironment(bundled('production')));
    // Production has a Pushgateway (from the shared layer), so its probe results get a dashboard too.
    // One daemons dashboard per daemons release, so none grows with the releases of an environment.
    expect(found.map((d) => d.cm.metadata.name).sort()).toEqual([
      'rucio-dashboard-daemons-daemonprod',
      'rucio-dashboard-probes',
      'rucio-dashboard-transfers',
    ]);
    expect(found.map((d) => d.json.uid).sort()).toEqual([
      'rucio-production-daemons-daemonprod',
      'rucio-production-probes',
      'rucio-production-transfers',
    ]);
    for (const { cm, json } of found) {
      expect(cm.folder).toBe('infrastructure/production/monitoring');
      expect(cm.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      checkDashboard(json);
    }
  });

  it('has a row and activity, CPU, memory and pods panels for each deployed daemon, in the dashboard of its release', () => {
    for (const name of ['production', 'integration']) {
      const folders = buildEnvironment(bundled(name));
      const daemons = objects(folders)
        .filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app-group' as never] === 'rucio-daemons')
        .map((o) => ({
          release: o.metadata.labels!['release' as never] as string,
          name: (o.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels[
            'rucio-daemon'
          ]!,
          deployment: o.metadata.name,
        }));
      expect(daemons.length).toBeGreaterThan(10);
      const releases = [...new Set(daemons.map((d) => d.release))].sort();
      expect(releases.length).toBeGreaterThan(0);
      const byRelease = (r: string) =>
        dashboards(folders).find((x) => x.cm.metadata.name === `rucio-dashboard-daemons-${r}`)!.json;
      for (const r of releases) {
        const d = byRelease(r);
        const own = daemons.filter((x) => x.release === r);
        const rows = d.panels.filter((p) => p.type === 'row').map((p) => p.title);
        // The release's conveyor and reaper pods first, when it runs any of them; then a row per daemon.
        const staged = own.filter((x) =>
          ['conveyor-submitter', 'conveyor-poller', 'conveyor-finisher', 'reaper'].includes(x.name),
        );
        expect(rows).toHaveLength(own.length + (staged.length > 0 ? 1 : 0));
        if (staged.length > 0) {
          expect(rows[0]).toBe('Conveyor and reaper pods');
          const pods = d.panels.find((p) => p.title === 'Pods per stage')!;
          expect(pods.targets!.map((t) => t.expr).sort()).toEqual(
            staged
              .map((x) => `kube_deployment_status_replicas{namespace="rucio", deployment="${x.deployment}"}`)
              .sort(),
          );
        }
        expect(d.title).toBe(`Rucio ${name}: daemons of ${r}`);
      }
      for (const daemon of daemons) {
        const d = byRelease(daemon.release);
        const titles = d.panels.map((p) => p.title);
        const row = titles.indexOf(`${daemon.release} / ${daemon.name}`);
        expect(row, `${daemon.release}/${daemon.name}`).toBeGreaterThanOrEqual(0);
        expect(titles.slice(row + 1, row + 5)).toEqual(
          ['activity', 'CPU', 'memory', 'pods'].map((t) => `${daemon.name}: ${t}`),
        );
        const panels = d.panels.slice(row + 1, row + 5) as Panel[];
        expect(panels[0]!.targets![0]!.expr).toContain(`release="${daemon.release}", rucio_daemon="${daemon.name}"`);
        expect(panels[1]!.targets!.map((t) => t.legendFormat)).toEqual(['{{pod}}', 'requested', 'limit']);
        for (const p of panels.slice(1, 3))
          for (const t of p.targets!) expect(t.expr).toContain(`pod=~"${daemon.deployment}-.*"`);
        expect(panels[3]!.targets![0]!.expr).toContain(`deployment="${daemon.deployment}"`);
      }
    }
  });

  it('has server, transfer and probe dashboards when those components exist', () => {
    const env = loadFrom(
      envFiles(`servers:
  api: {}
daemons:
  d:
    conveyorTransferSubmitterCount: 1
monitoring:
  dashboards: {labels: {grafana_dashboard: '1', team: rucio}, folder: Rucio}
`),
      'test',
    );
    const found = dashboards(
      buildEnvironment({ ...env, values: { ...env.values, pushgateway: pushgatewaySchema.parse({}) } }),
    );
    expect(found.map((d) => d.cm.metadata.name).sort()).toEqual([
      'rucio-dashboard-daemons-d',
      'rucio-dashboard-probes',
      'rucio-dashboard-servers',
      'rucio-dashboard-transfers',
    ]);
    for (const { cm, json } of found) {
      checkDashboard(json);
      expect(cm.metadata.labels).toMatchObject({ grafana_dashboard: '1', team: 'rucio' });
      expect(cm.metadata.annotations).toEqual({ grafana_folder: 'Rucio' });
    }
    const servers = found.find((d) => d.cm.metadata.name === 'rucio-dashboard-servers')!.json;
    expect(servers.panels.map((p) => p.title)).toContain('api: requests');
    const probes = found.find((d) => d.cm.metadata.name === 'rucio-dashboard-probes')!.json;
    expect(probes.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr)).toContain('time() - push_time_seconds');
  });

  itWithTools(['promtool'], 'every dashboard and autoscaler query is valid PromQL (promtool check rules)', () => {
    const exprs = new Set<string>();
    for (const name of ['production', 'integration']) {
      const folders = buildEnvironment(bundled(name));
      for (const { json } of dashboards(folders))
        for (const p of json.panels) for (const t of p.targets ?? []) exprs.add(t.expr);
      for (const o of objects(folders).filter((x) => x.kind === 'ScaledObject')) {
        for (const t of (o.spec as { triggers: { metadata: { query: string } }[] }).triggers)
          exprs.add(t.metadata.query);
      }
    }
    expect(exprs.size).toBeGreaterThan(30);
    const dir = tmp('rucio-promql-');
    const rules = [...exprs].map((expr, i) => ({ record: `rucio:check:${i}`, expr }));
    writeFileSync(join(dir, 'queries.yaml'), stringify({ groups: [{ name: 'queries', rules }] }));
    const r = promtool(['check', 'rules', 'queries.yaml'], dir);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('keeps dashboard uids within 40 characters and distinct for long environment and release names', async () => {
    const { dashboardUid } = await import('../../constructs/observability/dashboards.js');
    expect(dashboardUid('production', 'daemons-daemonprod')).toBe('rucio-production-daemons-daemonprod');
    const a = dashboardUid('a-rather-long-environment', 'daemons-release-number-one');
    const b = dashboardUid('a-rather-long-environment', 'daemons-release-number-two');
    expect(a).toHaveLength(40);
    expect(b).toHaveLength(40);
    expect(a).not.toBe(b);
    expect(a.startsWith('rucio-a-rather-long-environment')).toBe(true);
  });

  it('leaves the dashboards out when the environment turns them off', () => {
    const env = loadFrom(
      envFiles('daemons:\n  d:\n    reaperCount: 1\nmonitoring:\n  dashboards: {enabled: false}\n'),
      'test',
    );
    expect(dashboards(buildEnvironment(env))).toEqual([]);
  });
});
