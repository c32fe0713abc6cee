/**
 * Pod plumbing shared by the Rucio servers, daemons and probes: names and labels as the upstream charts write them,
 * and the container hardening. (The env vars, volumes and mounts are resolved and checked by the plan stage,
 * `src/plan/pod.ts`.)
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';

/** The chart version whose object contract the constructs follow. */
export const CHART_VERSION = '40.0.0';

/** Who manages the objects (`heritage`, `app.kubernetes.io/managed-by`). */
export const MANAGED_BY = 'rucio-gitops';

/**
 * Helm's fullname: `fullnameOverride`, else the release when it already contains the chart name, else
 * `<release>-<chart>`; at most 63 characters, without a trailing dash.
 */
export function fullname(
  release: string,
  chart: string,
  values: { fullnameOverride?: string; nameOverride?: string },
): string {
  const name = values.nameOverride ?? chart;
  const full = values.fullnameOverride ?? (release.includes(name) ? release : `${release}-${name}`);
  return full.slice(0, 63).replace(/-+$/, '');
}

/** Sorted copy of a string map, without empty entries dropped. */
export function sortedMap(map: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(map).sort()) out[k] = map[k]!;
  return out;
}

/** A map, or `undefined` when empty (so manifests carry no `{}` noise). */
export function undefinedIfEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length === 0 ? undefined : value;
}

/** The hardening every Rucio container gets (the images need root for httpd, memcached and the conf.d merge). */
export const CONTAINER_SECURITY: NonNullable<IContainer['securityContext']> = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['NET_RAW'] },
};

/**
 * The hardening of a sidecar that only reads what the main container writes (a log tail, a metrics exporter): no
 * root, a read-only root file system, no capabilities.
 */
export const SIDECAR_SECURITY: NonNullable<IContainer['securityContext']> = {
  ...CONTAINER_SECURITY,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: 65534,
  capabilities: { drop: ['ALL'] },
};

/** A container's env vars and its pod's volumes with the container's mounts, as the plan stage resolved them. */
export interface PodParts {
  /** In the order they are set; no name twice. */
  readonly env: IEnvVar[];
  /** Sorted by name. */
  readonly volumes: IVolume[];
  readonly volumeMounts: IVolumeMount[];
}
