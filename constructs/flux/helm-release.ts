/**
 * A release installed from its upstream Helm chart by Flux (`output: helmrelease`): a HelmRepository of the chart
 * repository and a HelmRelease of the chart at a pinned version, with values already checked and in the chart's own
 * form (the plan stage makes them), and the Secrets' keys they read through `valuesFrom`.
 *
 * Both objects live in the release's own folder (`apps/<env>/<release>/`), so the release's Flux Kustomization
 * applies and prunes them like the manifests it replaces; the HelmRepository is named after the release, so no two
 * Kustomizations own one object.
 */
import { JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { kubeObject } from '../shared/objects.js';

/**
 * The fields of a HelmRelease of helm.toolkit.fluxcd.io/v2 written here. The model packages that run on our Node.js
 * versions stop at v2beta2, so this is typed by hand; src/checks/schema.ts validates the object against the v2 CRD
 * schema copied from fluxcd/helm-controller (src/checks/flux-crds.ts), which refuses a field v2 does not have.
 */
interface IHelmRelease {
  apiVersion: 'helm.toolkit.fluxcd.io/v2';
  kind: 'HelmRelease';
  metadata: { name: string };
  spec: {
    releaseName: string;
    interval: string;
    chart: {
      spec: {
        chart: string;
        version: string;
        sourceRef: { kind: 'HelmRepository'; name: string };
        interval: string;
      };
    };
    install: { remediation: { retries: number } };
    upgrade: { remediation: { retries: number } };
    valuesFrom?: { kind: 'Secret'; name: string; valuesKey: string; targetPath: string; optional?: boolean }[];
    values: Record<string, unknown>;
  };
}

/** The fields of a HelmRepository of source.toolkit.fluxcd.io/v1 written here (checked like the HelmRelease). */
interface IHelmRepository {
  apiVersion: 'source.toolkit.fluxcd.io/v1';
  kind: 'HelmRepository';
  metadata: { name: string };
  spec: { interval: string; url: string };
}

/** One key of a Secret placed at a path of the chart's values. */
export interface SecretValues {
  readonly name: string;
  readonly valuesKey: string;
  readonly targetPath: string;
  readonly optional?: boolean;
}

export interface UpstreamReleaseProps {
  /** The Helm release name (and the HelmRelease's name). */
  readonly release: string;
  /** The chart repository's URL. */
  readonly repositoryUrl: string;
  /** The chart's name in the repository. */
  readonly chart: string;
  /** The chart version, pinned. */
  readonly version: string;
  /** The chart values. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Secret keys read into the values, in order. */
  readonly valuesFrom: readonly SecretValues[];
  /** How often helm-controller reconciles the release. */
  readonly interval: string;
  /** How often source-controller reads the repository's index. */
  readonly repositoryInterval: string;
  /** Install and upgrade retries. */
  readonly retries: number;
}

/** The name of the HelmRepository of a release. */
function helmRepositoryName(release: string): string {
  return `${release}-rucio-charts`;
}

/** JSON pointers (below `prefix`) of the `null` leaves of a values tree: Helm's way of removing a chart default. */
function nullLeaves(value: unknown, prefix: string): string[] {
  if (value === null) return [prefix];
  if (typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.keys(value)
    .sort()
    .flatMap((k) =>
      nullLeaves((value as Record<string, unknown>)[k], `${prefix}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`),
    );
}

/** A HelmRepository and a HelmRelease of an upstream chart. */
export class UpstreamRelease extends Construct {
  constructor(scope: Construct, id: string, props: UpstreamReleaseProps) {
    super(scope, id);
    const repository = helmRepositoryName(props.release);
    kubeObject<IHelmRepository>(this, 'HelmRepository', {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: repository },
      spec: { interval: props.repositoryInterval, url: props.repositoryUrl },
    });
    const release = kubeObject<IHelmRelease>(this, 'HelmRelease', {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: props.release },
      spec: {
        releaseName: props.release,
        interval: props.interval,
        chart: {
          spec: {
            chart: props.chart,
            version: props.version,
            sourceRef: { kind: 'HelmRepository', name: repository },
            interval: props.repositoryInterval,
          },
        },
        install: { remediation: { retries: props.retries } },
        upgrade: { remediation: { retries: props.retries } },
        ...(props.valuesFrom.length > 0
          ? {
              valuesFrom: props.valuesFrom.map((v) => ({
                kind: 'Secret' as const,
                name: v.name,
                valuesKey: v.valuesKey,
                targetPath: v.targetPath,
                ...(v.optional ? { optional: true } : {}),
              })),
            }
          : {}),
        values: { ...props.values },
      },
    });
    // cdk8s drops nulls when it serializes an object; the patches put them back after that.
    const nulls = nullLeaves(props.values, '/spec/values');
    if (nulls.length > 0) release.addJsonPatch(...nulls.map((p) => JsonPatch.add(p, null)));
  }
}
