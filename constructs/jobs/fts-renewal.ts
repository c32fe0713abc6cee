/**
 * The FTS proxy renewal CronJob (`rucio/fts-cron`): makes a VOMS proxy from the robot certificate, delegates it to
 * the FTS servers, and writes it into the `x509up` Secrets the conveyor, reaper and servers mount.
 *
 * Better than upstream: its ServiceAccount may only touch the Secrets it writes (the chart binds the ClusterRole
 * `edit`), and the robot certificate comes from a named Secret.
 */
import { Construct } from 'constructs';
import type { z } from 'zod';
import type { ftsRenewal } from '../../values/common.js';
import { IMAGES, imageRef } from '../../values/images.js';
import { declareImageNeeds, IMAGE_NEEDS } from '../shared/declarations.js';
import { ScheduledJob } from './scheduled-job.js';
import { CONTAINER_SECURITY } from '../shared/rucio-pod.js';

/** Props of an FTS renewal job. */
export interface FtsRenewalProps {
  /** The release whose proxy Secrets the job writes. */
  readonly release: string;
  /** The release's fullname, the prefix of the job's object names. */
  readonly fullname: string;
  /** The release's `ftsRenewal` values: schedule, VOs, servers, Secrets, image and resources. */
  readonly values: z.infer<typeof ftsRenewal>;
  /** The release's `imageRegistry`, prepended to the job's image. */
  readonly imageRegistry: string;
  /** Labels of the objects (`app`, `release`, …). */
  readonly labels: Record<string, string>;
}

/** CronJob, ServiceAccount, Role and RoleBinding of the proxy renewal. */
export class FtsRenewal extends Construct {
  /** The Secrets the job writes. */
  readonly secretNames: readonly string[];

  constructor(scope: Construct, id: string, props: FtsRenewalProps) {
    super(scope, id);
    const { values: v, fullname, release } = props;
    const name = `${fullname}-renew-fts-proxy`.slice(0, 52).replace(/-+$/, '');
    this.secretNames = v.secretNames ?? [`${release}-rucio-x509up`];
    const labels = props.labels;
    const env = [
      { name: 'RUCIO_FTS_SCRIPT', value: v.script },
      { name: 'RUCIO_FTS_SECRETS', value: [...this.secretNames].sort().join(',') },
      { name: 'RUCIO_FTS_SERVERS', value: v.servers },
      { name: 'RUCIO_FTS_VO_COUNT', value: String(v.vos.length) },
      ...v.vos.flatMap((vo, i) => [
        { name: `RUCIO_FTS_VO_${i}`, value: vo.vo },
        { name: `RUCIO_FTS_VOMS_${i}`, value: vo.voms },
      ]),
      ...v.additionalEnvs,
    ];
    const volumes = v.tlsSecretName
      ? [
          {
            name: 'robot-cert',
            secret: {
              secretName: v.tlsSecretName,
              items: [
                { key: 'tls.crt', path: 'usercert.pem' },
                { key: 'tls.key', path: 'userkey.pem', mode: 0o400 },
              ],
            },
          },
        ]
      : [];
    const volumeMounts = v.tlsSecretName
      ? [
          { name: 'robot-cert', mountPath: '/opt/rucio/certs/usercert.pem', subPath: 'usercert.pem', readOnly: true },
          { name: 'robot-cert', mountPath: '/opt/rucio/keys/userkey.pem', subPath: 'userkey.pem', readOnly: true },
        ]
      : [];
    new ScheduledJob(this, 'Resource', {
      name,
      labels,
      component: 'fts-renewal',
      schedule: v.schedule,
      activeDeadlineSeconds: 900,
      annotations: declareImageNeeds(['renew-fts-proxy'], IMAGE_NEEDS.ftsRenewal),
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: [...this.secretNames].sort(),
          verbs: ['get', 'patch', 'update'],
        },
      ],
      container: {
        name: 'renew-fts-proxy',
        image: imageRef(
          v.image.repository ?? IMAGES.ftsCron.repository,
          v.image.tag ?? IMAGES.ftsCron.tag,
          props.imageRegistry,
        ),
        imagePullPolicy: v.image.pullPolicy ?? 'IfNotPresent',
        env,
        resources: v.resources,
        securityContext: CONTAINER_SECURITY,
        volumeMounts,
      },
      volumes,
    });
  }
}
