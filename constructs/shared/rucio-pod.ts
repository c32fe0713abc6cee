/**
 * Pod plumbing shared by the Rucio servers and daemons: names and labels as the upstream charts write them, volumes
 * and mounts from `secretMounts` / `hostPathMounts` / `persistentVolumes`, env vars, and the container hardening.
 */
import { createHash } from 'node:crypto';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { EnvVar, HostPathMount, SecretMount } from '../../values/common.js';

/** The chart version whose object contract the constructs follow. */
export const CHART_VERSION = '40.0.0';

/** Who manages the objects (`heritage`, `app.kubernetes.io/managed-by`). */
export const MANAGED_BY = 'rucio-gitops';

/** An error in the values that only shows once the objects are built; synth places it in the environment file. */
export class ValuesError extends Error {
  constructor(
    /** The key path in the environment (`daemons.daemonint.reaper.secretMounts`). */
    readonly path: readonly (string | number)[],
    message: string,
  ) {
    super(message);
    this.name = 'ValuesError';
  }
}

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

/** Labels that must not be overridden by `podLabels`, since the selector and tooling depend on them. */
export function guardLabels(
  path: readonly (string | number)[],
  extra: Record<string, string>,
  reserved: Record<string, string>,
): void {
  for (const key of Object.keys(extra)) {
    if (key in reserved && extra[key] !== reserved[key]) {
      throw new ValuesError(
        [...path, key],
        `label '${key}' is set by the release (${JSON.stringify(reserved[key])}) and selects its pods: remove it from podLabels`,
      );
    }
  }
}

/** Collects volumes and mounts, sharing a volume between mounts of the same source and refusing clashes. */
export class Mounts {
  private readonly volumes = new Map<string, IVolume>();
  private readonly mounts: IVolumeMount[] = [];
  private readonly mountPaths = new Map<string, string>();

  constructor(private readonly path: readonly (string | number)[]) {}

  /** Adds a volume (shared when an identical one exists) and a mount of it. */
  add(volume: IVolume, mount: Omit<IVolumeMount, 'name'>, where: readonly (string | number)[] = this.path): void {
    const existing = this.volumes.get(volume.name);
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(volume)) {
      throw new ValuesError(
        where,
        `volume '${volume.name}' is already used for another source: give this mount its own volumeName`,
      );
    }
    const clash = this.mountPaths.get(mount.mountPath);
    if (clash !== undefined) {
      throw new ValuesError(
        where,
        `mountPath '${mount.mountPath}' is already mounted from volume '${clash}': each path takes one mount`,
      );
    }
    this.volumes.set(volume.name, volume);
    this.mountPaths.set(mount.mountPath, volume.name);
    this.mounts.push({ name: volume.name, ...mount });
  }

  /** `secretMounts` items; `secretName` is prefixed with `<release>-`. */
  addSecretMounts(release: string, items: readonly SecretMount[], where: readonly (string | number)[]): void {
    items.forEach((m, i) => {
      const secretName = m.secretFullName ?? `${release}-${m.secretName}`;
      const volumeName =
        m.volumeName ?? (m.secretName ?? m.secretFullName)!.replace(/\./g, '-').slice(0, 63).replace(/-+$/, '');
      this.add(
        {
          name: volumeName,
          secret: {
            secretName,
            ...(m.defaultMode === undefined ? {} : { defaultMode: m.defaultMode }),
            ...(m.optional ? { optional: true } : {}),
          },
        },
        { mountPath: m.mountPath, readOnly: true, ...(m.subPath ? { subPath: m.subPath } : {}) },
        [...where, i],
      );
    });
  }

  /** `hostPathMounts` items; the volume is named after the mount path unless `volumeName` is given. */
  addHostPathMounts(items: readonly HostPathMount[], where: readonly (string | number)[]): void {
    items.forEach((m, i) => {
      const name = m.volumeName ?? `host-${createHash('sha1').update(m.mountPath).digest('hex').slice(0, 10)}`;
      this.add(
        { name, hostPath: { path: m.hostPath, ...(m.type ? { type: m.type } : {}) } },
        { mountPath: m.mountPath, readOnly: m.readOnly },
        [...where, i],
      );
    });
  }

  /** `persistentVolumes`: existing claims, by volume name. */
  addPersistentVolumes(
    items: Readonly<Record<string, { name: string; mountPath: string; readOnly?: boolean }>>,
    where: readonly (string | number)[],
  ): void {
    for (const key of Object.keys(items).sort()) {
      const pv = items[key]!;
      this.add(
        { name: key, persistentVolumeClaim: { claimName: pv.name, ...(pv.readOnly ? { readOnly: true } : {}) } },
        { mountPath: pv.mountPath, ...(pv.readOnly ? { readOnly: true } : {}) },
        [...where, key],
      );
    }
  }

  /** Volumes sorted by name, mounts in the order added. */
  result(): { volumes: IVolume[]; volumeMounts: IVolumeMount[] } {
    const volumes = [...this.volumes.values()].sort((a, b) => a.name.localeCompare(b.name, 'en'));
    return { volumes, volumeMounts: [...this.mounts] };
  }
}

/** Builds a container's env list: no name twice, so that what is deployed is what was reviewed. */
export class Env {
  private readonly vars: IEnvVar[] = [];
  private readonly names = new Map<string, string>();

  constructor(private readonly path: readonly (string | number)[]) {}

  add(vars: readonly (IEnvVar | EnvVar)[], source: string, where: readonly (string | number)[] = this.path): this {
    vars.forEach((v, i) => {
      const earlier = this.names.get(v.name);
      if (earlier !== undefined) {
        throw new ValuesError(
          source === 'additionalEnvs' ? [...where, i, 'name'] : where,
          `env var '${v.name}' is already set by ${earlier}: set it in one place`,
        );
      }
      this.names.set(v.name, source);
      this.vars.push(v as IEnvVar);
    });
    return this;
  }

  /** Literal env vars from a map, sorted by name. */
  addLiterals(map: Readonly<Record<string, string>>, source: string, where?: readonly (string | number)[]): this {
    return this.add(
      Object.keys(map)
        .sort()
        .map((name) => ({ name, value: map[name]! })),
      source,
      where,
    );
  }

  /** `optional_config`: each key upper-cased becomes a literal env var. */
  addOptionalConfig(
    map: Readonly<Record<string, string | number | boolean>>,
    where: readonly (string | number)[],
  ): this {
    const vars: Record<string, string> = {};
    for (const k of Object.keys(map)) {
      const v = map[k]!;
      vars[k.toUpperCase()] = typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
    }
    return this.addLiterals(vars, 'optional_config', where);
  }

  result(): IEnvVar[] {
    return [...this.vars];
  }
}

/** The hardening every Rucio container gets (the images need root for httpd, memcached and the conf.d merge). */
export const CONTAINER_SECURITY: NonNullable<IContainer['securityContext']> = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['NET_RAW'] },
};
