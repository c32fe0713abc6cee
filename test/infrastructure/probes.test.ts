/** The probes: crontab as the upstream chart writes it, rucio.cfg with Secrets by reference, the pod's basics. */
import { describe, expect, it } from 'vitest';
import { probesCrontab } from '../../constructs/observability/rucio-probes.js';
import { probesSchema } from '../../values/probes.js';
import { object, renderBundled } from './helpers.js';

const files = renderBundled();
const dir = 'infrastructure/integration/probes';

describe('probes', () => {
  it('one cron line per enabled probe, spread with DeterministicDelay; interval 0 is off', () => {
    const values = probesSchema.parse({
      probes: { check_b: { interval: 5 }, check_a: { interval: 0 } },
      voProbes: { check_x: { interval: 30, voName: 'atlas' } },
    });
    const lines = probesCrontab(values)
      .split('\n')
      .filter((l) => l.startsWith('*/'));
    expect(lines).toEqual([
      '*/5 * * * * root /DeterministicDelay -d 5m /probes/common/check_b >/proc/1/fd/1 2>/proc/1/fd/2',
      '*/30 * * * * root /DeterministicDelay -d 30m /probes/atlas/check_x >/proc/1/fd/1 2>/proc/1/fd/2',
    ]);
  });

  it('the Deployment runs cron with the crontab and rucio.cfg mounted, the database URL from its Secret', () => {
    const dep = object(files, `${dir}/Deployment.rucio-probes.k8s.yaml`) as any;
    expect(dep.spec.replicas).toBe(1);
    expect(dep.spec.strategy.type).toBe('Recreate');
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toMatch(/^rucio\/probes:\d/);
    expect(c.env).toContainEqual({ name: 'RUCIO_USING_CRON', value: 'True' });
    expect(c.env).toContainEqual({
      name: 'RUCIO_CFG_DATABASE_DEFAULT',
      valueFrom: { secretKeyRef: { name: 'rucio-db', key: 'url' } },
    });
    expect(c.volumeMounts).toContainEqual({
      name: 'crontab',
      mountPath: '/etc/cron.d/probes',
      subPath: 'probes',
      readOnly: true,
    });
    expect(c.volumeMounts).toContainEqual({ name: 'proxy', mountPath: '/opt/proxy', readOnly: true });
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits).toBeDefined();
    expect(c.livenessProbe).toBeDefined();
    expect(dep.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    const cm = object(files, `${dir}/ConfigMap.rucio-probes.config.common.k8s.yaml`) as any;
    const cfg = JSON.parse(cm.data['common.json']);
    expect(cfg.database).not.toHaveProperty('default');
    expect(cfg.database.pool_size).toBe('10');
  });
});
