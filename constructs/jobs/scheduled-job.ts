/**
 * A CronJob that talks to the Kubernetes API under its own ServiceAccount, with a Role limited to what it touches:
 * the shape of the charts' FTS renewal and automatic restart jobs, without their binding to the ClusterRole `edit`.
 */
import { Construct } from 'constructs';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IPolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule';
import { RoleBoundServiceAccount } from './role-bound-service-account.js';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import { kubeObject } from '../shared/objects.js';

/** Props of a scheduled job. */
export interface ScheduledJobProps {
  /** The name of the CronJob, its ServiceAccount, Role and RoleBinding. */
  readonly name: string;
  /** Labels of the CronJob and its account objects. */
  readonly labels: Record<string, string>;
  /** `app.kubernetes.io/component` of the job's pods. */
  readonly component: string;
  /** Cron schedule. */
  readonly schedule: string;
  /** What the job may do in its namespace. */
  readonly rules: readonly IPolicyRule[];
  /** A run that takes longer is stopped. */
  readonly activeDeadlineSeconds: number;
  /** The job's one container. */
  readonly container: IContainer;
  /**
   * The pod's volumes.
   * @default - none
   */
  readonly volumes?: readonly IVolume[];
  /**
   * Pod security beyond the RuntimeDefault seccomp profile every job gets.
   * @default - the seccomp profile alone
   */
  readonly podSecurityContext?: IPodSecurityContext;
  /**
   * Annotations of the CronJob (the image's declared needs, see `declarations.ts`).
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/** CronJob plus a role-bound ServiceAccount. Runs never overlap; one success and three failures are kept. */
export class ScheduledJob extends Construct {
  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    const { name, labels } = props;
    new RoleBoundServiceAccount(this, 'Account', { name, labels, rules: props.rules });
    kubeObject<ICronJob>(this, 'Resource', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name, labels, ...(props.annotations ? { annotations: props.annotations } : {}) },
      spec: {
        schedule: props.schedule,
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: props.activeDeadlineSeconds,
            template: {
              metadata: { labels: { ...labels, 'app.kubernetes.io/component': props.component } },
              spec: {
                restartPolicy: 'Never',
                serviceAccountName: name,
                securityContext: { ...props.podSecurityContext, seccompProfile: { type: 'RuntimeDefault' } },
                containers: [props.container],
                ...(props.volumes && props.volumes.length > 0 ? { volumes: [...props.volumes] } : {}),
              },
            },
          },
        },
      },
    });
  }
}
