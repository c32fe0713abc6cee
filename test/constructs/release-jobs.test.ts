/**
 * FtsRenewal and AutomaticRestart: the charts' CronJobs, with RBAC limited to what each job touches.
 */
import { describe, expect, it } from 'vitest';
import { daemonsObjects, find, serverObjects, type Obj } from '../helpers.js';

const rbac = (objects: Obj[]) => objects.filter((o) => o.kind.startsWith('Role') || o.kind.startsWith('ClusterRole'));

describe('FtsRenewal', () => {
  const objects = daemonsObjects(
    {
      ftsRenewal: {
        enabled: 1,
        vos: [{ vo: 'atlas', voms: 'atlas:/atlas/Role=production' }],
        servers: 'https://fts3.example.org:8446',
        tlsSecretName: 'robot-cert',
      },
    },
    'daemonprod',
  );

  it('schedules the renewal as the chart does and writes the proxy into <release>-rucio-x509up', () => {
    const cron = find(objects, 'CronJob', 'daemonprod-rucio-daemons-renew-fts-proxy');
    expect(cron.spec.schedule).toBe('12 */6 * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const c = cron.spec.jobTemplate.spec.template.spec.containers[0];
    expect(c.image).toBe('rucio/fts-cron:36.2.0');
    expect(c.env).toEqual(
      expect.arrayContaining([
        { name: 'RUCIO_FTS_SECRETS', value: 'daemonprod-rucio-x509up' },
        { name: 'RUCIO_FTS_SERVERS', value: 'https://fts3.example.org:8446' },
        { name: 'RUCIO_FTS_VO_COUNT', value: '1' },
        { name: 'RUCIO_FTS_VO_0', value: 'atlas' },
        { name: 'RUCIO_FTS_VOMS_0', value: 'atlas:/atlas/Role=production' },
      ]),
    );
    expect(c.volumeMounts.map((m: Obj) => m.mountPath)).toEqual([
      '/opt/rucio/certs/usercert.pem',
      '/opt/rucio/keys/userkey.pem',
    ]);
    expect(c.resources.limits).toBeDefined();
  });

  it('may only create Secrets and update the ones it writes; it binds no ClusterRole', () => {
    const role = find(objects, 'Role', 'daemonprod-rucio-daemons-renew-fts-proxy');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['daemonprod-rucio-x509up'],
        verbs: ['get', 'patch', 'update'],
      },
    ]);
    const binding = find(objects, 'RoleBinding', 'daemonprod-rucio-daemons-renew-fts-proxy');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'daemonprod-rucio-daemons-renew-fts-proxy',
    });
    expect(
      rbac(objects)
        .map((o) => o.kind)
        .sort(),
    ).toEqual(['Role', 'RoleBinding']);
  });

  it('is not rendered when disabled', () => {
    expect(daemonsObjects({}).some((o: Obj) => o.kind === 'CronJob')).toBe(false);
  });
});

describe('AutomaticRestart', () => {
  it('restarts the daemons of the release by app-group, with a Role on Deployments only', () => {
    const objects = daemonsObjects({ automaticRestart: { enabled: true, schedule: '0 */8 * * *' } }, 'daemonint');
    const cron = find(objects, 'CronJob', 'daemonint-rucio-daemons-automatic-restart');
    expect(cron.spec.schedule).toBe('0 */8 * * *');
    const c = cron.spec.jobTemplate.spec.template.spec.containers[0];
    expect(c.args).toEqual([
      'rollout',
      'restart',
      'deployment',
      '--selector',
      'release=daemonint,app-group=rucio-daemons',
    ]);
    expect(c.image).toMatch(/^bitnamilegacy\/kubectl:\d/);
    expect(find(objects, 'Role', 'daemonint-rucio-daemons-automatic-restart').rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'patch'] },
    ]);
  });

  it('restarts a server release by its app label', () => {
    const objects = serverObjects({ automaticRestart: { enabled: true } }, 'serverint');
    const c = find(objects, 'CronJob', 'serverint-rucio-server-automatic-restart').spec.jobTemplate.spec.template.spec
      .containers[0];
    expect(c.args).toEqual(['rollout', 'restart', 'deployment', '--selector', 'release=serverint,app=rucio-server']);
  });
});
