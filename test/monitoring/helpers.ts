/** Shared helpers of the monitoring tests: load and build environments, find objects, run promtool. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironments, type LoadedEnvironment } from '../../src/load/environments.js';
import { UserError } from '../../src/load/problems.js';
import { type KubeObject, type RenderedFolder } from '../../src/synth/files.js';
import { buildEnvironment } from '../../src/synth/render.js';

export const ENVIRONMENTS = join(import.meta.dirname, '../../environments');

/** The bundled environment of that name. */
export function bundled(name: string): LoadedEnvironment {
  return loadEnvironments(ENVIRONMENTS, [name])[0]!;
}

/** Writes environment files (name → YAML text) to a fresh folder and loads one of them. */
export function loadFrom(files: Record<string, string>, name: string): LoadedEnvironment {
  const dir = mkdtempSync(join(tmpdir(), 'rucio-mon-env-'));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, `${file}.yaml`), text);
  return loadEnvironments(dir, [name])[0]!;
}

/** The problems a set of environment files produces (formatted), or [] when they load. */
export function problemsOf(files: Record<string, string>, name: string): string[] {
  try {
    buildEnvironment(loadFrom(files, name));
    return [];
  } catch (e) {
    if (e instanceof UserError) return e.problems.map((p) => p.format());
    throw e;
  }
}

/** Every object of some folders, with its folder. */
export function objects(folders: readonly RenderedFolder[]): (KubeObject & { folder: string })[] {
  return folders.flatMap((f) => f.objects.map((o) => ({ ...o, folder: f.folder })));
}

export function find(folders: readonly RenderedFolder[], kind: string, name: string): KubeObject & { folder: string } {
  const o = objects(folders).find((x) => x.kind === kind && x.metadata.name === name);
  if (!o)
    throw new Error(
      `no ${kind} ${name}; have ${objects(folders)
        .map((x) => `${x.kind}/${x.metadata.name}`)
        .join(', ')}`,
    );
  return o;
}

/** A temporary folder. */
export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs promtool; returns its exit status and output (throws when promtool could not run, never on a non-zero exit). */
export function promtool(args: readonly string[], cwd: string): { status: number; output: string } {
  try {
    const out = execFileSync('promtool', [...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, output: out };
  } catch (e) {
    const err = e as { status?: number | null; stdout?: string; stderr?: string };
    // promtool that could not run (ENOENT) or was killed is no verdict: a counter-test must not pass without it.
    if (typeof err.status !== 'number') throw e;
    return { status: err.status, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** A minimal shared layer plus an environment (YAML text). */
export function envFiles(body: string, name = 'test'): Record<string, string> {
  return {
    _base: 'namespace: rucio\ncommon:\n  image: {tag: release-36.2.0}\n',
    [name]: `name: ${name}\nextends: _base\n${body}`,
  };
}

type Loose = Record<string, unknown>;
const isLoose = (v: unknown): v is Loose => v !== null && typeof v === 'object' && !Array.isArray(v);
const stringMap = (v: unknown): Record<string, string> =>
  isLoose(v)
    ? (Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string>)
    : {};

/** Whether a label selector (matchLabels and matchExpressions) selects these labels; an empty selector selects none. */
function selects(selector: unknown, labels: Record<string, string>): boolean {
  if (!isLoose(selector)) return false;
  const match = stringMap(selector.matchLabels);
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isLoose) : [];
  if (Object.keys(match).length === 0 && expressions.length === 0) return false;
  if (!Object.entries(match).every(([k, v]) => labels[k] === v)) return false;
  return expressions.every((e) => {
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    if (e.operator === 'In') return key in labels && values.includes(labels[key]!);
    if (e.operator === 'Exists') return key in labels;
    throw new Error(`selector operator ${String(e.operator)} not handled by the test`);
  });
}

/**
 * The workloads (`Deployment/name`) whose pods some Prometheus scrapes, read from the objects alone (independently of
 * the plan that built them): pods annotated `prometheus.io/scrape: "true"` (the community chart's `kubernetes-pods`
 * job), a PodMonitor selecting the pod labels, a ServiceMonitor selecting a Service that selects the pods, or a Service
 * annotated `prometheus.io/probe: pushgateway` (the community chart's `prometheus-pushgateway` job).
 */
export function scrapedWorkloads(all: readonly KubeObject[]): Set<string> {
  const podMonitors = all.filter((o) => o.kind === 'PodMonitor');
  const serviceMonitors = all.filter((o) => o.kind === 'ServiceMonitor');
  const services = all.filter((o) => o.kind === 'Service');
  const out = new Set<string>();
  const watches = (m: KubeObject, ns: string | undefined) => {
    const names = (m.spec as { namespaceSelector?: { matchNames?: string[] } }).namespaceSelector?.matchNames;
    return names ? names.includes(ns!) : m.metadata.namespace === ns;
  };
  for (const w of all) {
    if (w.kind !== 'Deployment' && w.kind !== 'DaemonSet') continue;
    const meta = ((w.spec as Loose).template as { metadata?: Loose }).metadata ?? {};
    const labels = stringMap(meta.labels);
    const ns = w.metadata.namespace;
    const podSelected = (s: KubeObject) => {
      const sel = stringMap((s.spec as Loose).selector);
      return (
        s.metadata.namespace === ns &&
        Object.keys(sel).length > 0 &&
        Object.entries(sel).every(([k, v]) => labels[k] === v)
      );
    };
    const annotated = stringMap(meta.annotations)['prometheus.io/scrape'] === 'true';
    const byPodMonitor = podMonitors.some((m) => watches(m, ns) && selects((m.spec as Loose).selector, labels));
    const byServiceMonitor = serviceMonitors.some((m) =>
      services.some(
        (s) => podSelected(s) && watches(m, ns) && selects((m.spec as Loose).selector, stringMap(s.metadata.labels)),
      ),
    );
    const byProbeService = services.some(
      (s) => podSelected(s) && stringMap(s.metadata.annotations)['prometheus.io/probe'] === 'pushgateway',
    );
    if (annotated || byPodMonitor || byServiceMonitor || byProbeService) out.add(`${w.kind}/${w.metadata.name}`);
  }
  return out;
}
