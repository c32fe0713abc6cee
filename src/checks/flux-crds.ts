/**
 * The OpenAPI schemas (`openAPIV3Schema`) of the two Flux kinds `output: helmrelease` writes, copied from Flux's own
 * sources, which `crd-schema.ts` validates those objects against. The model package that runs on our Node.js
 * versions (`@kubernetes-models/flux-cd` 2.3) stops at HelmRelease v2beta2 and HelmRepository v1beta2; the versions
 * with the GA models (3.x, 4.x) declare Node >= 22 (and so do their dependencies: npm prints EBADENGINE on Node 20).
 *
 * Sources (Flux is Apache-2.0; these are excerpts of its generated API schemas, descriptions removed):
 * - HelmRelease `helm.toolkit.fluxcd.io/v2`: fluxcd/helm-controller, `config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml`
 *   at commit 671c27c5d032da95de2b0fe35bc6d90746c1d5ba (the `v2` entry of `spec.versions`; controller-gen v0.15.0,
 *   chart templates of `v1.HelmChart`), agreeing with `api/v2/helmrelease_types.go` at the same commit.
 * - HelmRepository `source.toolkit.fluxcd.io/v1`: fluxcd/source-controller, `api/v1/helmrepository_types.go` at commit
 *   c8358d063c2cb50107d066354776c7375948cd87 (its kubebuilder markers: patterns, enums, required), with the
 *   `meta.LocalObjectReference` (`name`, required) and `acl.AccessFrom` types of fluxcd/pkg it references.
 *
 * What is copied, and what is trimmed:
 * - Every field of every object on the way to a field we write is copied with its type and its checks (`pattern`,
 *   `enum`, `minLength`/`maxLength`, `required`), scalars beside them too; `status` (the controllers write it) and the
 *   descriptions are left out.
 * - An object or list field we never write (`spec.postRenderers`, `spec.test`, …) is kept by name, marked
 *   `x-rucio-gitops-trimmed`: writing it fails the check until its schema is copied here from the same source.
 * - `x-kubernetes-validations` is kept as written; `crd-schema.ts` knows each rule listed here and refuses a schema
 *   with a rule it does not know. `x-kubernetes-preserve-unknown-fields` marks a free-form field (`spec.values`).
 *
 * Like the API server, which prunes fields a structural schema does not declare, `crd-schema.ts` treats every field
 * not declared here as unknown (an error), so a misspelt field, or one the GA version removed (`valuesFile`,
 * `patchesStrategicMerge`, …: not in the copy), fails.
 */

/** A JSON Schema object of a CRD (the OpenAPI v3 subset Kubernetes uses, plus its `x-kubernetes-*` keywords). */
export interface CrdSchema {
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  readonly properties?: Readonly<Record<string, CrdSchema>>;
  readonly additionalProperties?: CrdSchema;
  readonly items?: CrdSchema;
  readonly required?: readonly string[];
  readonly enum?: readonly string[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly 'x-kubernetes-preserve-unknown-fields'?: true;
  readonly 'x-kubernetes-validations'?: readonly { readonly rule: string; readonly message: string }[];
  readonly 'x-rucio-gitops-trimmed'?: true;
}

/** Where a schema was copied from. */
export interface CrdSource {
  readonly repository: string;
  readonly path: string;
  readonly commit: string;
}

/** The Go duration pattern of Flux's `metav1.Duration` fields. */
const DURATION = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

const trimmed = (type: 'object' | 'array'): CrdSchema => ({ type, 'x-rucio-gitops-trimmed': true });

const remediationCommon = {
  ignoreTestFailures: { type: 'boolean' },
  remediateLastFailure: { type: 'boolean' },
  retries: { type: 'integer' },
} as const satisfies Record<string, CrdSchema>;

const CRDS_POLICY = { type: 'string', enum: ['Skip', 'Create', 'CreateReplace'] } as const satisfies CrdSchema;

/** HelmRelease helm.toolkit.fluxcd.io/v2. */
const HELM_RELEASE_V2: CrdSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        chart: {
          type: 'object',
          properties: {
            metadata: {
              type: 'object',
              properties: {
                annotations: { type: 'object', additionalProperties: { type: 'string' } },
                labels: { type: 'object', additionalProperties: { type: 'string' } },
              },
            },
            spec: {
              type: 'object',
              properties: {
                chart: { type: 'string', minLength: 1, maxLength: 2048 },
                ignoreMissingValuesFiles: { type: 'boolean' },
                interval: { type: 'string', pattern: DURATION },
                reconcileStrategy: { type: 'string', enum: ['ChartVersion', 'Revision'] },
                sourceRef: {
                  type: 'object',
                  properties: {
                    apiVersion: { type: 'string' },
                    kind: { type: 'string', enum: ['HelmRepository', 'GitRepository', 'Bucket'] },
                    name: { type: 'string', minLength: 1, maxLength: 253 },
                    namespace: { type: 'string', minLength: 1, maxLength: 63 },
                  },
                  required: ['name'],
                },
                valuesFiles: { type: 'array', items: { type: 'string' } },
                verify: trimmed('object'),
                version: { type: 'string' },
              },
              required: ['chart', 'sourceRef'],
            },
          },
          required: ['spec'],
        },
        chartRef: trimmed('object'),
        dependsOn: trimmed('array'),
        driftDetection: trimmed('object'),
        install: {
          type: 'object',
          properties: {
            crds: CRDS_POLICY,
            createNamespace: { type: 'boolean' },
            disableHooks: { type: 'boolean' },
            disableOpenAPIValidation: { type: 'boolean' },
            disableWait: { type: 'boolean' },
            disableWaitForJobs: { type: 'boolean' },
            remediation: { type: 'object', properties: remediationCommon },
            replace: { type: 'boolean' },
            skipCRDs: { type: 'boolean' },
            timeout: { type: 'string', pattern: DURATION },
          },
        },
        interval: { type: 'string', pattern: DURATION },
        kubeConfig: trimmed('object'),
        maxHistory: { type: 'integer' },
        persistentClient: { type: 'boolean' },
        postRenderers: trimmed('array'),
        releaseName: { type: 'string', minLength: 1, maxLength: 53 },
        rollback: trimmed('object'),
        serviceAccountName: { type: 'string', minLength: 1, maxLength: 253 },
        storageNamespace: { type: 'string', minLength: 1, maxLength: 63 },
        suspend: { type: 'boolean' },
        targetNamespace: { type: 'string', minLength: 1, maxLength: 63 },
        test: trimmed('object'),
        timeout: { type: 'string', pattern: DURATION },
        uninstall: trimmed('object'),
        upgrade: {
          type: 'object',
          properties: {
            cleanupOnFail: { type: 'boolean' },
            crds: CRDS_POLICY,
            disableHooks: { type: 'boolean' },
            disableOpenAPIValidation: { type: 'boolean' },
            disableWait: { type: 'boolean' },
            disableWaitForJobs: { type: 'boolean' },
            force: { type: 'boolean' },
            preserveValues: { type: 'boolean' },
            remediation: {
              type: 'object',
              properties: { ...remediationCommon, strategy: { type: 'string', enum: ['rollback', 'uninstall'] } },
            },
            timeout: { type: 'string', pattern: DURATION },
          },
        },
        values: { 'x-kubernetes-preserve-unknown-fields': true },
        valuesFrom: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              kind: { type: 'string', enum: ['Secret', 'ConfigMap'] },
              name: { type: 'string', minLength: 1, maxLength: 253 },
              optional: { type: 'boolean' },
              targetPath: { type: 'string', maxLength: 250, pattern: '^([a-zA-Z0-9_\\-.\\\\\\/]|\\[[0-9]{1,5}\\])+$' },
              valuesKey: { type: 'string', maxLength: 253, pattern: '^[\\-._a-zA-Z0-9]+$' },
            },
            required: ['kind', 'name'],
          },
        },
      },
      required: ['interval'],
      'x-kubernetes-validations': [
        {
          message: 'either chart or chartRef must be set',
          rule: '(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))',
        },
      ],
    },
  },
};

/** `meta.LocalObjectReference` of fluxcd/pkg. */
const LOCAL_OBJECT_REFERENCE: CrdSchema = {
  type: 'object',
  properties: { name: { type: 'string' } },
  required: ['name'],
};

/** HelmRepository source.toolkit.fluxcd.io/v1. */
const HELM_REPOSITORY_V1: CrdSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        accessFrom: trimmed('object'),
        certSecretRef: LOCAL_OBJECT_REFERENCE,
        insecure: { type: 'boolean' },
        interval: { type: 'string', pattern: DURATION },
        passCredentials: { type: 'boolean' },
        provider: { type: 'string', enum: ['generic', 'aws', 'azure', 'gcp'] },
        secretRef: LOCAL_OBJECT_REFERENCE,
        suspend: { type: 'boolean' },
        timeout: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$' },
        type: { type: 'string', enum: ['default', 'oci'] },
        url: { type: 'string', pattern: '^(http|https|oci)://.*$' },
      },
      required: ['url'],
    },
  },
};

/** The copied schemas, by `<apiVersion> <kind>`, with their sources. */
export const FLUX_CRD_SCHEMAS: Readonly<Record<string, { readonly schema: CrdSchema; readonly source: CrdSource }>> = {
  'helm.toolkit.fluxcd.io/v2 HelmRelease': {
    schema: HELM_RELEASE_V2,
    source: {
      repository: 'fluxcd/helm-controller',
      path: 'config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml',
      commit: '671c27c5d032da95de2b0fe35bc6d90746c1d5ba',
    },
  },
  'source.toolkit.fluxcd.io/v1 HelmRepository': {
    schema: HELM_REPOSITORY_V1,
    source: {
      repository: 'fluxcd/source-controller',
      path: 'api/v1/helmrepository_types.go',
      commit: 'c8358d063c2cb50107d066354776c7375948cd87',
    },
  },
};
