/**
 * The Flux objects of one environment, for `dist/clusters/<env>/`: the GitRepository of the deploy repository (when
 * wanted) and one Kustomization per layer, ordered with `dependsOn`:
 *
 *   rucio-infrastructure  ./infrastructure/<env>          (only when the environment has infrastructure folders)
 *   rucio-app-<server>    ./apps/<env>/<server>           dependsOn infrastructure
 *   rucio-app-<daemons>   ./apps/<env>/<daemons>          dependsOn every server release (or infrastructure)
 *
 * A release that fails to become ready holds back the layers after it; `prune` removes what left `dist/`.
 * `flux bootstrap`'s own `flux-system/` folder is never generated here, and synth never touches it.
 *
 * The Namespace of the Rucio releases is written here too: bootstrap's `flux-system` Kustomization applies
 * `clusters/<env>/`, so Flux owns the Namespace and creates it before the layers that target it reconcile. It carries
 * `kustomize.toolkit.fluxcd.io/prune: disabled`: deleting a namespace deletes everything in it (the Secrets created
 * by hand, the Pushgateway's volume), which no change to `dist/` should do by itself.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import type { IGitRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/GitRepository';
import type { IKustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { FluxValues } from '../../values/flux.js';
import { FLUX_DEFAULTS } from '../../values/flux.js';
import { kubeObject } from '../shared/objects.js';

/** A release the Flux objects reconcile. */
export interface FluxRelease {
  readonly release: string;
  /** The Deployments of the release: health-checked when `wait` is off. */
  readonly deployments: readonly string[];
}

export interface FluxSyncProps {
  /** The environment's name: its folders under `dist/`. */
  readonly environment: string;
  /** The namespace of the Rucio releases (the apps' target namespace). */
  readonly namespace: string;
  /** The environment's `flux` block: the source, intervals, timeout, prune and wait. */
  readonly values: FluxValues;
  /** The environment has `infrastructure/<env>/` folders. */
  readonly infrastructure: boolean;
  /** The server releases, each a Kustomization after the infrastructure layer. */
  readonly servers: readonly FluxRelease[];
  /** The daemons releases, each a Kustomization after the server releases. */
  readonly daemons: readonly FluxRelease[];
  /**
   * The WebUI releases; each depends on the server releases (the WebUI calls the API).
   * @default - none
   */
  readonly webui?: readonly FluxRelease[];
}

/** Name of the Kustomization of a release. */
const appKustomizationName = (release: string): string => `rucio-app-${release}`;
/** Name of the Kustomization of the infrastructure layer. */
const INFRASTRUCTURE_KUSTOMIZATION = 'rucio-infrastructure';

function join(prefix: string, path: string): string {
  return prefix === '.' ? `./${path}` : `${prefix}/${path}`;
}

/** The GitRepository (optional) and Kustomizations of one environment. */
export class FluxSync extends Construct {
  /** The Kustomization names, in dependency order. */
  readonly kustomizations: string[] = [];

  constructor(scope: Construct, id: string, props: FluxSyncProps) {
    super(scope, id);
    const { values: flux, environment } = props;
    const namespace = flux.namespace;
    const git = flux.gitRepository;
    const sourceName = git ? git.name : (flux.sourceRef ?? FLUX_DEFAULTS.sourceRef);

    const ns = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: props.namespace, annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } },
    } satisfies INamespace;
    // Cluster-scoped: the chart's namespace (flux-system) does not apply to it.
    new ApiObject(this, 'Namespace', ns).addJsonPatch(JsonPatch.remove('/metadata/namespace'));

    if (git) {
      const repo: IGitRepository = {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: git.name, namespace },
        spec: {
          interval: git.interval,
          url: git.url,
          ref: { branch: git.branch },
          ...(git.secretRef ? { secretRef: { name: git.secretRef } } : {}),
        },
      };
      kubeObject<IGitRepository>(this, 'GitRepository', repo);
    }

    const kustomization = (
      id: string,
      name: string,
      path: string,
      dependsOn: readonly string[],
      extra: Partial<NonNullable<IKustomization['spec']>>,
    ) => {
      const spec: NonNullable<IKustomization['spec']> = {
        interval: flux.interval,
        retryInterval: flux.retryInterval,
        timeout: flux.timeout,
        path: join(flux.path, path),
        prune: flux.prune,
        sourceRef: { kind: 'GitRepository', name: sourceName },
        ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((d) => ({ name: d })) } : {}),
        ...extra,
      };
      const object: IKustomization = {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name, namespace },
        spec,
      };
      kubeObject<IKustomization>(this, id, object);
      this.kustomizations.push(name);
    };

    const infra = props.infrastructure ? [INFRASTRUCTURE_KUSTOMIZATION] : [];
    if (props.infrastructure)
      kustomization('Infrastructure', INFRASTRUCTURE_KUSTOMIZATION, `infrastructure/${environment}`, [], {
        wait: flux.wait,
      });

    const app = (layer: string, r: FluxRelease, dependsOn: readonly string[]) => {
      const health = flux.wait
        ? { wait: true }
        : {
            wait: false,
            ...(r.deployments.length > 0
              ? {
                  healthChecks: [...r.deployments]
                    .sort()
                    .map((name) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name, namespace: props.namespace })),
                }
              : {}),
          };
      kustomization(
        `${layer}-${r.release}`,
        appKustomizationName(r.release),
        `apps/${environment}/${r.release}`,
        dependsOn,
        {
          targetNamespace: props.namespace,
          ...health,
        },
      );
    };
    const byName = (a: FluxRelease, b: FluxRelease) => (a.release < b.release ? -1 : a.release > b.release ? 1 : 0);
    const servers = [...props.servers].sort(byName);
    for (const s of servers) app('Server', s, infra);
    const afterServers = servers.length > 0 ? servers.map((s) => appKustomizationName(s.release)) : infra;
    for (const d of [...props.daemons].sort(byName)) app('Daemons', d, afterServers);
    for (const w of [...(props.webui ?? [])].sort(byName)) app('Webui', w, afterServers);
  }
}

/**
 * The deploy repository's root `.sourceignore`: Flux downloads only the manifest folders, nothing else that may sit
 * in the repository (READMEs, the haproxy.cfg written for the VMs, CI files).
 */
export function sourceIgnore(marker: string): string {
  return [
    marker,
    '# Flux (source-controller) reads the manifests only.',
    '/*',
    '!/apps/',
    '!/clusters/',
    '!/infrastructure/',
    '# in those folders: YAML only',
    '*.*',
    '!*.yaml',
    '!*.yml',
    '',
  ].join('\n');
}
