/**
 * A ServiceAccount with its own namespaced Role and RoleBinding: least privilege for the jobs that talk to the API
 * (the charts bind the ClusterRole `edit` instead).
 */
import { Construct } from 'constructs';
import type { IPolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { kubeObject } from '../shared/objects.js';

/** Props of a role-bound ServiceAccount. */
export interface RoleBoundServiceAccountProps {
  /** The name of the ServiceAccount, Role and RoleBinding alike. */
  readonly name: string;
  /** Labels of the three objects. */
  readonly labels: Record<string, string>;
  /** What the account may do, in its namespace only. */
  readonly rules: readonly IPolicyRule[];
}

/** ServiceAccount, Role and RoleBinding of one name. */
export class RoleBoundServiceAccount extends Construct {
  /** The ServiceAccount's name, for `serviceAccountName`. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: RoleBoundServiceAccountProps) {
    super(scope, id);
    const { name, labels } = props;
    this.name = name;
    kubeObject<IServiceAccount>(this, 'ServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, labels },
    });
    kubeObject<IRole>(this, 'Role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, labels },
      rules: [...props.rules],
    });
    kubeObject<IRoleBinding>(this, 'RoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name }],
    });
  }
}
