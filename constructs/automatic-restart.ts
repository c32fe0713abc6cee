/**
 * A CronJob that restarts a release's Deployments on a schedule (`kubectl rollout restart`), as the charts'
 * `automaticRestart` does, with a Role limited to the Deployments of the namespace (the chart binds `edit`).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { z } from 'zod';
import type { automaticRestart } from '../values/common.js';
import { IMAGES, imageRef } from '../values/images.js';
import { RoleBoundServiceAccount } from './role-bound-service-account.js';
import { CONTAINER_SECURITY } from './rucio-pod.js';

/** Props of an automatic restart. */
export interface AutomaticRestartProps {
  readonly release: string;
  readonly fullname: string;
  readonly values: z.infer<typeof automaticRestart>;
  readonly imageRegistry: string;
  /** The label that, with `release`, selects what to restart (`app-group=rucio-daemons`, `app=rucio-server`). */
  readonly defaultSelector: string;
  readonly labels: Record<string, string>;
}

/** CronJob, ServiceAccount, Role and RoleBinding of the periodic restart. */
export class AutomaticRestart extends Construct {
  constructor(scope: Construct, id: string, props: AutomaticRestartProps) {
    super(scope, id);
    const { values: v, labels } = props;
    const name = `${props.fullname}-automatic-restart`.slice(0, 52).replace(/-+$/, '');
    const selector = `release=${props.release},${v.selectorLabel ?? props.defaultSelector}`;
    new RoleBoundServiceAccount(this, 'Account', { name, labels, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'patch'] }] });
    new ApiObject(this, 'Resource', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name, labels },
      spec: {
        schedule: v.schedule,
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 600,
            template: {
              metadata: { labels: { ...labels, 'app.kubernetes.io/component': 'automatic-restart' } },
              spec: {
                restartPolicy: 'Never',
                serviceAccountName: name,
                securityContext: { runAsNonRoot: true, runAsUser: 1001, seccompProfile: { type: 'RuntimeDefault' } },
                containers: [{
                  name: 'kubectl',
                  image: imageRef(v.image.repository ?? IMAGES.kubectl.repository, v.image.tag ?? IMAGES.kubectl.tag, props.imageRegistry),
                  imagePullPolicy: 'IfNotPresent',
                  args: ['rollout', 'restart', 'deployment', '--selector', selector],
                  resources: v.resources,
                  securityContext: { ...CONTAINER_SECURITY, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                }],
              },
            },
          },
        },
      },
    });
  }
}
