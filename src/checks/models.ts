/**
 * The models of the kinds synth writes, imported with literal specifiers: the bundled command then carries them
 * (and V8's code cache covers them) instead of loading about a hundred small ES modules from node_modules at every
 * start (some 200 ms of a cold synth). Any other kind is imported by name at run time (`src/checks/schema.ts`).
 * PrometheusRule's validator creates an RE2 pattern, whose WebAssembly engine re2-wasm reads from a file beside its
 * module: in the bundle, bin/lazy-re2.cjs stands in for it and compiles the engine only when a pattern is first used.
 */
export const BUNDLED_MODELS: Readonly<Record<string, () => Promise<unknown>>> = {
  'kubernetes-models/apps/v1/DaemonSet': () => import('kubernetes-models/apps/v1/DaemonSet'),
  'kubernetes-models/apps/v1/Deployment': () => import('kubernetes-models/apps/v1/Deployment'),
  'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler': () =>
    import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'),
  'kubernetes-models/batch/v1/CronJob': () => import('kubernetes-models/batch/v1/CronJob'),
  'kubernetes-models/networking.k8s.io/v1/Ingress': () => import('kubernetes-models/networking.k8s.io/v1/Ingress'),
  'kubernetes-models/policy/v1/PodDisruptionBudget': () => import('kubernetes-models/policy/v1/PodDisruptionBudget'),
  'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole': () =>
    import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole'),
  'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding': () =>
    import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding'),
  'kubernetes-models/rbac.authorization.k8s.io/v1/Role': () =>
    import('kubernetes-models/rbac.authorization.k8s.io/v1/Role'),
  'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding': () =>
    import('kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding'),
  'kubernetes-models/v1/ConfigMap': () => import('kubernetes-models/v1/ConfigMap'),
  'kubernetes-models/v1/Namespace': () => import('kubernetes-models/v1/Namespace'),
  'kubernetes-models/v1/PersistentVolumeClaim': () => import('kubernetes-models/v1/PersistentVolumeClaim'),
  'kubernetes-models/v1/Service': () => import('kubernetes-models/v1/Service'),
  'kubernetes-models/v1/ServiceAccount': () => import('kubernetes-models/v1/ServiceAccount'),
  // The metadata of the kinds validated against a CRD schema copied in flux-crds.ts (HelmRelease, HelmRepository).
  '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta': () =>
    import('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta'),
  '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization': () =>
    import('@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization'),
  '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/GitRepository': () =>
    import('@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/GitRepository'),
  '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject': () =>
    import('@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject'),
  '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor': () =>
    import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor'),
  '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor': () =>
    import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'),
  '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule': () =>
    import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule'),
};
