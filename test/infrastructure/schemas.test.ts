/** Every object the infrastructure components write validates against its Kubernetes (or CRD) schema. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { renderBundled } from './helpers.js';

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  ClusterRole,
  ClusterRoleBinding,
  ConfigMap,
  DaemonSet,
  Deployment,
  PersistentVolumeClaim,
  PodDisruptionBudget,
  PodMonitor,
  PrometheusRule,
  Service,
  ServiceAccount,
  ServiceMonitor,
};

describe('infrastructure objects against their schemas', () => {
  const files = renderBundled();
  const paths = [...files.keys()].filter((p) => p.startsWith('infrastructure/') && p.endsWith('.k8s.yaml'));

  it('there are objects to check', () => {
    expect(paths.length).toBeGreaterThan(20);
  });

  for (const path of paths) {
    it(path, () => {
      const obj = parse(files.get(path)!);
      const Model = MODELS[obj.kind];
      expect(Model, `no model for ${obj.kind}`).toBeDefined();
      expect(() => new Model!(obj).validate()).not.toThrow();
      for (const c of obj.spec?.template?.spec?.containers ?? []) {
        expect(c.resources?.requests && c.resources?.limits, `${path}: ${c.name} requests and limits`).toBeTruthy();
        expect(c.livenessProbe ?? c.readinessProbe, `${path}: ${c.name} probes`).toBeDefined();
        expect(c.image).not.toMatch(/:latest$|^[^:]+$/);
      }
    });
  }
});
