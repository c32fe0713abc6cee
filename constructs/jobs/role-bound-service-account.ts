/**
 * A ServiceAccount with its own namespaced Role and RoleBinding: least privilege for the jobs that talk to the API
 * (the charts bind the ClusterRole `edit` instead).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IPolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule';

/** Props of a role-bound ServiceAccount. */
export interface RoleBoundServiceAccountProps {
  /** The name of the ServiceAccount, Role and RoleBinding alike. */
  readonly name: string;
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
    new ApiObject(this, 'ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, labels } });
    new ApiObject(this, 'Role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, labels },
      rules: [...props.rules],
    });
    new ApiObject(this, 'RoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name }],
    });
  }
}
