/**
 * A CronJob that restarts a release's Deployments on a schedule (`kubectl rollout restart`), as the charts'
 * `automaticRestart` does, with a Role limited to the Deployments of the namespace (the chart binds `edit`).
 */
import { Construct } from 'constructs';
import type { z } from 'zod';
import type { automaticRestart } from '../../values/common.js';
import { IMAGES, imageRef } from '../../values/images.js';
import { ScheduledJob } from './scheduled-job.js';
import { CONTAINER_SECURITY } from '../shared/rucio-pod.js';

/** Props of an automatic restart. */
export interface AutomaticRestartProps {
  /** The release whose Deployments restart. */
  readonly release: string;
  /** The release's fullname, the prefix of the job's object names. */
  readonly fullname: string;
  /** The release's `automaticRestart` values: schedule, image and resources. */
  readonly values: z.infer<typeof automaticRestart>;
  /** The release's `imageRegistry`, prepended to the job's image. */
  readonly imageRegistry: string;
  /** The label that, with `release`, selects what to restart (`app-group=rucio-daemons`, `app=rucio-server`). */
  readonly defaultSelector: string;
  /** Labels of the job's objects. */
  readonly labels: Record<string, string>;
}

/** CronJob, ServiceAccount, Role and RoleBinding of the periodic restart. */
export class AutomaticRestart extends Construct {
  constructor(scope: Construct, id: string, props: AutomaticRestartProps) {
    super(scope, id);
    const { values: v, labels } = props;
    const name = `${props.fullname}-automatic-restart`.slice(0, 52).replace(/-+$/, '');
    const selector = `release=${props.release},${v.selectorLabel ?? props.defaultSelector}`;
    new ScheduledJob(this, 'Resource', {
      name,
      labels,
      component: 'automatic-restart',
      schedule: v.schedule,
      activeDeadlineSeconds: 600,
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'patch'] }],
      podSecurityContext: { runAsNonRoot: true, runAsUser: 1001 },
      container: {
        name: 'kubectl',
        image: imageRef(
          v.image.repository ?? IMAGES.kubectl.repository,
          v.image.tag ?? IMAGES.kubectl.tag,
          props.imageRegistry,
        ),
        imagePullPolicy: 'IfNotPresent',
        args: ['rollout', 'restart', 'deployment', '--selector', selector],
        resources: v.resources,
        securityContext: { ...CONTAINER_SECURITY, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      },
    });
  }
}
