/**
 * The capacity a tree asks of its cluster, per environment and release (a folder `apps/<env>/<release>/` or
 * `infrastructure/<env>/<component>/`): pods, and CPU and memory requests and limits. A workload that an autoscaler
 * (KEDA ScaledObject, HorizontalPodAutoscaler) scales counts at its minimum and at its maximum, so every figure is a
 * range. A DaemonSet counts one pod (per node); Jobs and CronJobs run now and then and are not counted.
 */
import { parse } from 'yaml';

/** A figure at the autoscalers' minimum and maximum (equal when nothing is autoscaled). */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** What a release asks for. CPU in millicores, memory in bytes. */
export interface Capacity {
  readonly pods: Range;
  readonly cpuRequests: Range;
  readonly cpuLimits: Range;
  readonly memoryRequests: Range;
  readonly memoryLimits: Range;
  /** Workloads counted at an autoscaler's min and max. */
  readonly autoscaled: number;
  /** DaemonSets (one pod per node, counted once). */
  readonly daemonSets: number;
}

export const CAPACITY_FIELDS = ['pods', 'cpuRequests', 'cpuLimits', 'memoryRequests', 'memoryLimits'] as const;
export type CapacityField = (typeof CAPACITY_FIELDS)[number];

/** One release's capacity before and after (undefined where the release does not exist). */
export interface CapacityRow {
  readonly release: string;
  readonly before?: Capacity;
  readonly after?: Capacity;
}

export interface EnvironmentCapacity {
  readonly name: string;
  readonly rows: readonly CapacityRow[];
  readonly total: { readonly before: Capacity; readonly after: Capacity };
}

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity (`250m`, `1.5`, `512Mi`, `1e3`) as a number, or 0 when it is not one. */
export function quantity(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : 0;
  if (typeof value !== 'string') return 0;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$/.exec(value.trim());
  if (!m) return 0;
  const n = Number(m[1]) * SUFFIX[m[2]!]!;
  return Number.isFinite(n) ? n : 0;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const count = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fallback;

interface PodResources {
  cpuRequests: number;
  cpuLimits: number;
  memoryRequests: number;
  memoryLimits: number;
}

/** A pod's effective resources: the containers' sum, or the largest init container when that is more. */
function podResources(podSpec: Obj): PodResources {
  const of = (c: Obj) => {
    const r = obj(c.resources);
    return {
      cpuRequests: quantity(obj(r.requests).cpu) * 1000,
      cpuLimits: quantity(obj(r.limits).cpu) * 1000,
      memoryRequests: quantity(obj(r.requests).memory),
      memoryLimits: quantity(obj(r.limits).memory),
    };
  };
  const sum: PodResources = { cpuRequests: 0, cpuLimits: 0, memoryRequests: 0, memoryLimits: 0 };
  for (const c of list(podSpec.containers)) {
    const r = of(c);
    for (const k of Object.keys(sum) as (keyof PodResources)[]) sum[k] += r[k];
  }
  for (const c of list(podSpec.initContainers)) {
    const r = of(c);
    for (const k of Object.keys(sum) as (keyof PodResources)[]) sum[k] = Math.max(sum[k], r[k]);
  }
  return sum;
}

const EMPTY: Capacity = {
  pods: { min: 0, max: 0 },
  cpuRequests: { min: 0, max: 0 },
  cpuLimits: { min: 0, max: 0 },
  memoryRequests: { min: 0, max: 0 },
  memoryLimits: { min: 0, max: 0 },
  autoscaled: 0,
  daemonSets: 0,
};

function add(a: Capacity, b: Capacity): Capacity {
  const r = (x: Range, y: Range): Range => ({ min: x.min + y.min, max: x.max + y.max });
  return {
    pods: r(a.pods, b.pods),
    cpuRequests: r(a.cpuRequests, b.cpuRequests),
    cpuLimits: r(a.cpuLimits, b.cpuLimits),
    memoryRequests: r(a.memoryRequests, b.memoryRequests),
    memoryLimits: r(a.memoryLimits, b.memoryLimits),
    autoscaled: a.autoscaled + b.autoscaled,
    daemonSets: a.daemonSets + b.daemonSets,
  };
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const SCALERS = new Set(['ScaledObject', 'HorizontalPodAutoscaler']);

/** The capacity of a tree (paths relative to the output folder), by environment, then release. */
function treeCapacity(tree: ReadonlyMap<string, string>): Map<string, Map<string, Capacity>> {
  const workloads: Array<{ env: string; release: string; kind: string; name: string; namespace: string; doc: Obj }> =
    [];
  const scalers = new Map<string, Range>();
  for (const [path, text] of tree) {
    const parts = path.split('/');
    if (parts.length < 4 || (parts[0] !== 'apps' && parts[0] !== 'infrastructure')) continue;
    const kind = parts[parts.length - 1]!.split('.')[0]!;
    if (!WORKLOADS.has(kind) && !SCALERS.has(kind)) continue;
    let doc: unknown;
    try {
      doc = parse(text);
    } catch {
      continue;
    }
    if (!isObj(doc) || typeof doc.kind !== 'string') continue;
    const meta = obj(doc.metadata);
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
    const spec = obj(doc.spec);
    if (doc.kind === 'ScaledObject') {
      const target = obj(spec.scaleTargetRef);
      const min = count(spec.minReplicaCount, 0);
      scalers.set(
        `${namespace}/${typeof target.kind === 'string' ? target.kind : 'Deployment'}/${String(target.name)}`,
        {
          min,
          max: Math.max(min, count(spec.maxReplicaCount, 100)),
        },
      );
    } else if (doc.kind === 'HorizontalPodAutoscaler') {
      const target = obj(spec.scaleTargetRef);
      const min = count(spec.minReplicas, 1);
      scalers.set(`${namespace}/${String(target.kind)}/${String(target.name)}`, {
        min,
        max: Math.max(min, count(spec.maxReplicas, min)),
      });
    } else if (WORKLOADS.has(doc.kind)) {
      workloads.push({ env: parts[1]!, release: parts[2]!, kind: doc.kind, name: String(meta.name), namespace, doc });
    }
  }
  const out = new Map<string, Map<string, Capacity>>();
  for (const w of workloads) {
    const spec = obj(w.doc.spec);
    const pod = podResources(obj(obj(spec.template).spec));
    const scaled = w.kind === 'DaemonSet' ? undefined : scalers.get(`${w.namespace}/${w.kind}/${w.name}`);
    const fixed = w.kind === 'DaemonSet' ? 1 : count(spec.replicas, 1);
    const pods: Range = scaled ?? { min: fixed, max: fixed };
    const times = (per: number): Range => ({ min: per * pods.min, max: per * pods.max });
    const c: Capacity = {
      pods,
      cpuRequests: times(pod.cpuRequests),
      cpuLimits: times(pod.cpuLimits),
      memoryRequests: times(pod.memoryRequests),
      memoryLimits: times(pod.memoryLimits),
      autoscaled: scaled ? 1 : 0,
      daemonSets: w.kind === 'DaemonSet' ? 1 : 0,
    };
    const env = out.get(w.env) ?? new Map<string, Capacity>();
    out.set(w.env, env);
    env.set(w.release, add(env.get(w.release) ?? EMPTY, c));
  }
  return out;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The capacity of each environment in `names` before and after, release by release. */
export function compareCapacity(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
  names: readonly string[],
): EnvironmentCapacity[] {
  const a = treeCapacity(before);
  const b = treeCapacity(after);
  return names.map((name) => {
    const x = a.get(name) ?? new Map<string, Capacity>();
    const y = b.get(name) ?? new Map<string, Capacity>();
    const releases = [...new Set([...x.keys(), ...y.keys()])].sort(byString);
    const rows = releases.map((release) => ({ release, before: x.get(release), after: y.get(release) }));
    return {
      name,
      rows,
      total: {
        before: [...x.values()].reduce(add, EMPTY),
        after: [...y.values()].reduce(add, EMPTY),
      },
    };
  });
}

/** Whether a capacity figure differs. */
export function capacityChanged(a: Capacity | undefined, b: Capacity | undefined): boolean {
  const x = a ?? EMPTY;
  const y = b ?? EMPTY;
  return CAPACITY_FIELDS.some((f) => x[f].min !== y[f].min || x[f].max !== y[f].max);
}

/** A figure for people: pods as counts, CPU in cores, memory in GiB or MiB. */
function formatFigure(field: CapacityField, value: number): string {
  if (field === 'pods') return String(value);
  if (field === 'cpuRequests' || field === 'cpuLimits') return `${trim(value / 1000)}`;
  const gib = value / 2 ** 30;
  return Math.abs(gib) >= 1 || value === 0 ? `${trim(gib)} GiB` : `${trim(value / 2 ** 20)} MiB`;
}

function trim(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** `2` or `2–4` (autoscaled: min–max). */
export function formatRange(field: CapacityField, r: Range): string {
  return r.min === r.max ? formatFigure(field, r.min) : `${formatFigure(field, r.min)}–${formatFigure(field, r.max)}`;
}

function signed(field: CapacityField, n: number): string {
  return n > 0 ? `+${formatFigure(field, n)}` : n < 0 ? `−${formatFigure(field, -n)}` : '±0';
}

/** `17 → 19 (+2)`, `2–4 → 3–6 (+1 … +2)`, or the value alone when it did not change. */
export function formatChange(field: CapacityField, before: Capacity | undefined, after: Capacity | undefined): string {
  const x = (before ?? EMPTY)[field];
  const y = (after ?? EMPTY)[field];
  const b = before === undefined ? '—' : formatRange(field, x);
  const a = after === undefined ? '—' : formatRange(field, y);
  if (x.min === y.min && x.max === y.max) return a;
  const dMin = y.min - x.min;
  const dMax = y.max - x.max;
  const delta = dMin === dMax ? signed(field, dMin) : `${signed(field, dMin)} … ${signed(field, dMax)}`;
  return `${b} → ${a} (${delta})`;
}

export const FIELD_TITLES: Record<CapacityField, string> = {
  pods: 'pods',
  cpuRequests: 'CPU requests',
  cpuLimits: 'CPU limits',
  memoryRequests: 'memory requests',
  memoryLimits: 'memory limits',
};
