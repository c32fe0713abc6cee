/**
 * Turns loaded environments into the files of `dist/`: cdk8s charts per folder, one file per object, a sorted
 * `kustomization.yaml` per folder. Pure: nothing is written here (see `write.ts`).
 */
import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { FluxSync, sourceIgnore } from '../../constructs/flux/flux.js';
import { UpstreamRelease } from '../../constructs/flux/helm-release.js';
import { HELM_RELEASE_DEFAULTS, RUCIO_HELM_REPOSITORY } from '../../values/charts.js';
import type { HelmReleasePlan } from '../plan/index.js';
import { RucioDaemons } from '../../constructs/rucio/rucio-daemons.js';
import { RucioServer } from '../../constructs/rucio/rucio-server.js';
import { RucioWebui } from '../../constructs/rucio/rucio-webui.js';
import type { LoadedEnvironment } from '../load/environments.js';
import { planEnvironment } from '../plan/index.js';
import { Problem, UserError, sortProblems } from '../load/problems.js';
import { commonLabels, type BuildContext, type Component } from './context.js';
import { GENERATED_MARKER, lazyFile, type KubeObject, type RenderedFile, type RenderedFolder } from './files.js';
import { filebeat, haproxy, probes, pushgateway } from './infrastructure.js';
import { autoscaling, monitoring } from './monitoring.js';
import { objectText } from './object-text.js';
import { toYaml } from './yaml-emit.js';

/** A release with `output: helmrelease`: the HelmRelease of its upstream chart and the HelmRepository. */
function upstreamRelease(chart: Chart, release: string, plan: HelmReleasePlan, interval: string | undefined): void {
  new UpstreamRelease(chart, 'Release', {
    release,
    repositoryUrl: RUCIO_HELM_REPOSITORY,
    chart: plan.chart,
    version: plan.version,
    values: plan.values,
    valuesFrom: plan.valuesFrom,
    interval: interval ?? HELM_RELEASE_DEFAULTS.interval,
    repositoryInterval: HELM_RELEASE_DEFAULTS.repositoryInterval,
    retries: HELM_RELEASE_DEFAULTS.retries,
  });
}

/** The Rucio server releases: `apps/<env>/<release>/`. */
export const rucioServers: Component = (ctx) => {
  for (const server of ctx.plan.servers) {
    const chart = ctx.chart(`apps/${ctx.env.name}/${server.release}`, server.release);
    if (server.helmRelease) {
      upstreamRelease(chart, server.release, server.helmRelease, ctx.env.values.flux?.interval);
      continue;
    }
    new RucioServer(chart, 'Release', {
      release: server.release,
      values: server.values,
      pod: server.pod,
      autoscaled: server.autoscaled,
    });
  }
};

/** The Rucio daemons releases: `apps/<env>/<release>/`. */
export const rucioDaemons: Component = (ctx) => {
  for (const release of ctx.plan.daemons) {
    const chart = ctx.chart(`apps/${ctx.env.name}/${release.release}`, release.release);
    if (release.helmRelease) {
      upstreamRelease(chart, release.release, release.helmRelease, ctx.env.values.flux?.interval);
      continue;
    }
    new RucioDaemons(chart, 'Release', { release: release.release, values: release.values, daemons: release.daemons });
  }
};

/** The WebUI releases: `apps/<env>/<release>/`, each built from its plan. */
const rucioWebuis: Component = (ctx) => {
  for (const webui of ctx.plan.webui) {
    const chart = ctx.chart(`apps/${ctx.env.name}/${webui.release}`, webui.release);
    if (webui.helmRelease) {
      upstreamRelease(chart, webui.release, webui.helmRelease, ctx.env.values.flux?.interval);
      continue;
    }
    new RucioWebui(chart, 'Release', webui);
  }
};

/**
 * The Flux objects: `clusters/<env>/`. Runs last and reads the folders the other components rendered, so a layer
 * (e.g. `infrastructure/<env>/`) gets its Kustomization as soon as some component writes into it.
 */
export const fluxObjects: Component = (ctx) => {
  const { env, plan } = ctx;
  const flux = env.values.flux;
  if (!flux) return;
  const folders = ctx.folders();
  const infrastructure = folders.some((f) => f.startsWith(`infrastructure/${env.name}/`));
  // A release gets its Kustomization once a component rendered its folder.
  const rendered = (release: string) => folders.includes(`apps/${env.name}/${release}`);
  const chart = ctx.chart(`clusters/${env.name}`, 'flux', flux.namespace);
  new FluxSync(chart, 'Flux', {
    environment: env.name,
    namespace: env.values.namespace,
    values: flux,
    infrastructure,
    servers: plan.servers
      .filter((s) => rendered(s.release))
      .map((s) =>
        s.helmRelease
          ? { release: s.release, deployments: [], helmRelease: true }
          : { release: s.release, deployments: [s.fullname] },
      ),
    daemons: plan.daemons
      .filter((d) => rendered(d.release))
      .map((d) =>
        d.helmRelease
          ? { release: d.release, deployments: [], helmRelease: true }
          : { release: d.release, deployments: d.daemons.map((x) => x.deployment) },
      ),
    webui: plan.webui
      .filter((w) => rendered(w.release))
      .map((w) =>
        w.helmRelease
          ? { release: w.release, deployments: [], helmRelease: true }
          : { release: w.release, deployments: w.values.replicaCount > 0 ? [w.fullname] : [] },
      ),
  });
};

/** Every component, in build order (Flux last: it reads the folders of the others). */
export const COMPONENTS: readonly Component[] = [
  rucioServers,
  rucioDaemons,
  rucioWebuis,
  haproxy,
  pushgateway,
  probes,
  filebeat,
  monitoring,
  autoscaling,
  fluxObjects,
];

/**
 * The objects of each chart of one App, as `chart.toJson()` returns them. `toJson` resolves the dependencies of the
 * whole App and runs its validations every time, so calling it per chart costs charts × App size: at 200 releases in
 * one environment that was most of rendering. The first chart goes through `toJson` (resolving and validating the App
 * once, which is all later calls would redo); the others list their objects in the same dependency order that
 * `toJson` uses (cdk8s's `chartToKube`), and each object resolves itself.
 */
function chartSynthesizer(): (chart: Chart) => KubeObject[] {
  let resolved = false;
  return (chart) => {
    if (!resolved) {
      resolved = true;
      return chart.toJson() as KubeObject[];
    }
    return new DependencyGraph(chart.node)
      .topology()
      .filter((x): x is ApiObject => x instanceof ApiObject && Chart.of(x) === chart)
      .map((o) => o.toJson() as KubeObject);
  };
}

/** Builds the charts of one environment and returns its folders with their objects. */
export function buildEnvironment(
  loaded: LoadedEnvironment,
  components: readonly Component[] = COMPONENTS,
): RenderedFolder[] {
  const plan = planEnvironment(loaded);
  const env = plan.env;
  const app = new App({ outdir: '/nonexistent' });
  const charts = new Map<string, Chart[]>();
  const extraFiles = new Map<string, Record<string, string>>();
  const ctx: BuildContext = {
    app,
    env,
    plan,
    chart(folder, instance, namespace = env.values.namespace) {
      const id = `${folder.replace(/[^A-Za-z0-9]+/g, '-')}-${charts.get(folder)?.length ?? 0}`;
      const chart = new Chart(app, id, {
        namespace,
        labels: commonLabels(env, instance),
        disableResourceNameHashes: true,
      });
      charts.set(folder, [...(charts.get(folder) ?? []), chart]);
      return chart;
    },
    file(folder, name, text) {
      const files = extraFiles.get(folder) ?? {};
      if (name in files) throw new Error(`two components write ${folder}/${name}`);
      extraFiles.set(folder, { ...files, [name]: text });
    },
    folders: () => [...new Set([...charts.keys(), ...extraFiles.keys()])].sort(),
  };
  for (const component of components) component(ctx);
  const folders: RenderedFolder[] = [];
  const synth = chartSynthesizer();
  for (const [folder, list] of charts) {
    const files = extraFiles.get(folder);
    folders.push({
      folder,
      objects: list.flatMap(synth),
      ...(files ? { extraFiles: files } : {}),
    });
  }
  for (const [folder, files] of extraFiles)
    if (!charts.has(folder)) folders.push({ folder, objects: [], extraFiles: files });
  return folders;
}

/** `Kind.name.k8s.yaml`, with the namespace when two objects would otherwise share a file. */
function objectFileName(o: KubeObject, clash = false): string {
  const ns = clash && o.metadata.namespace ? `${o.metadata.namespace}.` : '';
  return `${o.kind}.${ns}${o.metadata.name}.k8s.yaml`;
}

/** An object's file; its YAML is made on first use of `text`, so `validate`, which writes nothing, skips it. */
function objectFile(path: string, object: KubeObject): RenderedFile {
  return lazyFile(path, object, objectText);
}

function kustomization(resources: readonly string[]): string {
  return `${GENERATED_MARKER}\n${toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources })}`;
}

/**
 * The files of some folders: one per object, plus a sorted `kustomization.yaml` in every folder and in each parent
 * below the layer (`apps/<env>/kustomization.yaml` lists its releases).
 */
function renderFiles(folders: readonly RenderedFolder[]): RenderedFile[] {
  const files: RenderedFile[] = [];
  const problems: Problem[] = [];
  const children = new Map<string, Set<string>>();
  for (const { folder, objects, extraFiles } of folders) {
    const names = new Map<string, number>();
    for (const o of objects) names.set(objectFileName(o), (names.get(objectFileName(o)) ?? 0) + 1);
    const resources: string[] = [];
    const taken = new Set<string>();
    for (const o of objects) {
      const name = objectFileName(o, (names.get(objectFileName(o)) ?? 0) > 1);
      if (taken.has(name)) {
        problems.push(
          new Problem(folder, undefined, '', `two objects would both be written to ${name}: give one another name`),
        );
        continue;
      }
      resources.push(name);
      taken.add(name);
      files.push(objectFile(`${folder}/${name}`, o));
    }
    for (const [name, text] of Object.entries(extraFiles ?? {})) files.push({ path: `${folder}/${name}`, text });
    // A folder without objects (production's haproxy/, which only holds the VMs' haproxy.cfg) is not a kustomize
    // resource: it gets no kustomization.yaml, and its parent does not list it.
    if (resources.length === 0 && !children.has(folder)) continue;
    const subfolders = [...(children.get(folder) ?? [])];
    children.set(folder, new Set([...subfolders, ...resources]));
    const parts = folder.split('/');
    for (let i = parts.length - 1; i >= 2; i--) {
      const parent = parts.slice(0, i).join('/');
      children.set(parent, new Set([...(children.get(parent) ?? []), parts[i]!]));
    }
  }
  if (problems.length > 0) throw new UserError('the output would be ambiguous:', problems);
  for (const [folder, entries] of children) {
    // clusters/<env>/ gets no kustomization.yaml: Flux generates one that includes bootstrap's flux-system/ (a
    // generated list would leave it out, and flux-system's Kustomization would then prune Flux itself).
    if (/^clusters\/[^/]+$/.test(folder)) continue;
    const list = [...entries].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    files.push({ path: `${folder}/kustomization.yaml`, text: kustomization(list) });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** All files of the given environments. */
export function renderEnvironments(
  envs: readonly LoadedEnvironment[],
  components: readonly Component[] = COMPONENTS,
): RenderedFile[] {
  const folders: RenderedFolder[] = [];
  const problems: Problem[] = [];
  for (const env of envs) {
    try {
      folders.push(...buildEnvironment(env, components));
    } catch (e) {
      if (e instanceof UserError) problems.push(...e.problems);
      else throw e;
    }
  }
  // A problem in a shared layer shows once, not once per environment that extends it.
  const unique = [...new Map(problems.map((p) => [p.format(), p])).values()];
  if (unique.length > 0)
    throw new UserError(
      `invalid environments (${unique.length} problem${unique.length === 1 ? '' : 's'}):`,
      sortProblems(unique),
    );
  return [{ path: '.sourceignore', text: sourceIgnore(GENERATED_MARKER) }, ...renderFiles(folders)].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}
