/**
 * The policy pack: rules every synthesized object must keep, each with an id that a waiver in the environment file can
 * name (`policy.waivers`). The rules see the objects of one environment together, so a rule may relate objects
 * (an autoscaler and the Deployment it scales).
 *
 * Components declare what only they may do with annotations on the workload (see `declare`): `host-path` lists the
 * hostPath volumes the component needs (filebeat reads the node's logs), `no-probe-signal` lists containers whose image
 * offers no health signal, `runs-as-root` and `writable-root-fs` list containers whose image cannot run otherwise (with
 * a `.reason` annotation beside them; without a reason the declaration counts for nothing). Declarations are code,
 * reviewed with the construct; waivers are values, reviewed with the environment.
 */
import { DECLARATION_PREFIX, REASON_SUFFIX, type Declaration } from '../../constructs/shared/declarations.js';
import type { PolicyRule } from '../../values/policy.js';
import type { KubeObject } from '../synth/files.js';
import { fieldPath } from './schema.js';

function declared(o: KubeObject, what: Declaration): Set<string> {
  const annotations = (o.metadata.annotations ?? {}) as Record<string, unknown>;
  const value = annotations[`${DECLARATION_PREFIX}${what}`];
  if (what === 'runs-as-root' || what === 'writable-root-fs') {
    const reason = annotations[`${DECLARATION_PREFIX}${what}${REASON_SUFFIX}`];
    if (typeof reason !== 'string' || reason.trim() === '') return new Set();
  }
  return new Set(
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  );
}

/** A rule broken by an object. */
export interface Violation {
  readonly rule: PolicyRule;
  readonly field: string;
  readonly message: string;
  readonly fix: string;
}

/** An object with where it will be written. */
export interface PlacedObject {
  /** Path under the output folder. */
  readonly path: string;
  readonly object: KubeObject;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** Kinds whose pods run until stopped. */
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController']);

/** The pod spec of a workload and its path, if the object has one. */
export function podSpec(o: KubeObject): { spec: Obj; path: string[] } | undefined {
  const spec = o.spec;
  if (!isObj(spec)) return undefined;
  if (o.kind === 'Pod') return { spec, path: ['spec'] };
  if (o.kind === 'CronJob') {
    const tpl = (spec.jobTemplate as Obj | undefined)?.spec as Obj | undefined;
    const pod = (tpl?.template as Obj | undefined)?.spec;
    return isObj(pod) ? { spec: pod, path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] } : undefined;
  }
  const pod = (spec.template as Obj | undefined)?.spec;
  return isObj(pod) ? { spec: pod, path: ['spec', 'template', 'spec'] } : undefined;
}

interface ContainerAt {
  readonly container: Obj;
  readonly path: (string | number)[];
  readonly name: string;
  readonly init: boolean;
}

function containers(pod: { spec: Obj; path: string[] }): ContainerAt[] {
  const out: ContainerAt[] = [];
  for (const key of ['initContainers', 'containers'] as const) {
    list(pod.spec[key]).forEach((c, i) =>
      out.push({
        container: c,
        path: [...pod.path, key, i],
        name: String(c.name ?? i),
        init: key === 'initContainers',
      }),
    );
  }
  return out;
}

const securityContext = (c: Obj): Obj => (isObj(c.securityContext) ? c.securityContext : {});

/** `repo[:tag][@digest]`: the tag, or why the reference is not pinned. */
export function imageProblem(image: unknown): string | undefined {
  if (typeof image !== 'string' || image.trim() === '') return 'has no image';
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  if (colon < 0) return `image '${image}' has no tag (the registry would serve 'latest')`;
  const tag = last.slice(colon + 1);
  if (tag === '' || tag === 'latest') return `image '${image}' uses a moving tag`;
  return undefined;
}

/** The rules that look at one object. */
function objectViolations(o: KubeObject): Violation[] {
  const out: Violation[] = [];
  const add = (rule: PolicyRule, path: readonly (string | number)[], message: string, fix: string) =>
    out.push({ rule, field: fieldPath(path), message, fix });
  const pod = podSpec(o);
  if (pod) {
    const noSignal = declared(o, 'no-probe-signal');
    const root = declared(o, 'runs-as-root');
    const writableRoot = declared(o, 'writable-root-fs');
    const podSecurity = isObj(pod.spec.securityContext) ? pod.spec.securityContext : {};
    for (const { container: c, path, name, init } of containers(pod)) {
      const what = `container '${name}'`;
      const res = isObj(c.resources) ? c.resources : {};
      const missing: string[] = [];
      for (const kind of ['requests', 'limits'] as const) {
        const r = isObj(res[kind]) ? (res[kind] as Obj) : {};
        for (const resource of ['cpu', 'memory'] as const)
          if (r[resource] === undefined || r[resource] === null || r[resource] === '')
            missing.push(`${kind}.${resource}`);
      }
      if (missing.length > 0)
        add(
          'resources',
          [...path, 'resources'],
          `${what} has no ${missing.join(', ')}`,
          `set ${missing.map((m) => `resources.${m}`).join(', ')} for it in the environment or its construct`,
        );

      const image = imageProblem(c.image);
      if (image)
        add(
          'image-tag',
          [...path, 'image'],
          `${what} ${image}`,
          'pin a release tag (or a digest) in values/images.ts or the environment',
        );

      if (!init && LONG_RUNNING.has(o.kind) && !noSignal.has(name)) {
        const absent = (['readinessProbe', 'livenessProbe'] as const).filter((p) => !isObj(c[p]));
        if (absent.length > 0) {
          add(
            'probes',
            path,
            `long-running ${what} has no ${absent.join(' and no ')}`,
            `give it ${absent.join(' and ')} on the image's health signal, or declare the container in the '${DECLARATION_PREFIX}no-probe-signal' annotation when the image has none`,
          );
        }
      }

      const sc = securityContext(c);
      if (sc.privileged === true)
        add(
          'privilege-escalation',
          [...path, 'securityContext', 'privileged'],
          `${what} runs privileged`,
          'remove privileged: true',
        );
      if (sc.allowPrivilegeEscalation !== false) {
        add(
          'privilege-escalation',
          [...path, 'securityContext', 'allowPrivilegeEscalation'],
          `${what} may escalate privileges`,
          'set securityContext.allowPrivilegeEscalation: false',
        );
      }
      const nonRoot = sc.runAsNonRoot ?? podSecurity.runAsNonRoot;
      const user = sc.runAsUser ?? podSecurity.runAsUser;
      if ((nonRoot !== true || user === 0) && !root.has(name)) {
        add(
          'run-as-non-root',
          [...path, 'securityContext', 'runAsNonRoot'],
          `${what} may run as root`,
          'set securityContext.runAsNonRoot: true (and a non-zero runAsUser) if the image allows',
        );
      }
      if (sc.readOnlyRootFilesystem !== true && !writableRoot.has(name)) {
        add(
          'read-only-root-fs',
          [...path, 'securityContext', 'readOnlyRootFilesystem'],
          `${what} can write its root file system`,
          'set securityContext.readOnlyRootFilesystem: true with emptyDir mounts for the paths it writes',
        );
      }
    }
    const allowed = declared(o, 'host-path');
    list(pod.spec.volumes).forEach((v, i) => {
      if (v.hostPath === undefined) return;
      const name = String(v.name ?? i);
      if (!allowed.has(name)) {
        add(
          'host-path',
          [...pod.path, 'volumes', i, 'hostPath'],
          `volume '${name}' mounts a directory of the node, and no component declared that it needs it`,
          `mount something else, or have the construct declare the volume with the '${DECLARATION_PREFIX}host-path' annotation`,
        );
      }
    });
  }

  if (o.kind === 'Role' || o.kind === 'ClusterRole') {
    list(o.rules).forEach((rule, i) => {
      for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames', 'nonResourceURLs'] as const) {
        const values = Array.isArray(rule[field]) ? (rule[field] as unknown[]) : [];
        if (values.some((v) => typeof v === 'string' && v.includes('*'))) {
          add(
            'rbac-wildcards',
            ['rules', i, field],
            `rule grants '*' in ${field}`,
            `list the ${field} the component needs`,
          );
        }
      }
    });
  }
  if (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') {
    const ref = isObj(o.roleRef) ? o.roleRef : {};
    if (
      ref.kind === 'ClusterRole' &&
      typeof ref.name === 'string' &&
      ['cluster-admin', 'admin', 'edit'].includes(ref.name)
    ) {
      add(
        'rbac-bindings',
        ['roleRef', 'name'],
        `binds the built-in ClusterRole '${ref.name}'`,
        'bind a Role with only the verbs and resources the component needs',
      );
    }
  }
  return out;
}

/** `namespace/Kind/name` of what an autoscaler scales. */
function scaleTargets(objects: readonly PlacedObject[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const { object: o } of objects) {
    const spec = isObj(o.spec) ? o.spec : {};
    const isHpa = o.kind === 'HorizontalPodAutoscaler' && o.apiVersion.startsWith('autoscaling/');
    const isKeda = o.kind === 'ScaledObject' && o.apiVersion.startsWith('keda.sh/');
    if (!isHpa && !isKeda) continue;
    const ref = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
    const kind = typeof ref.kind === 'string' ? ref.kind : 'Deployment';
    if (typeof ref.name !== 'string') continue;
    out.set(`${o.metadata.namespace ?? ''}/${kind}/${ref.name}`, `${o.kind}/${o.metadata.name}`);
  }
  return out;
}

/** Every violation in the objects of one environment, by object. */
export function policyViolations(objects: readonly PlacedObject[]): Map<PlacedObject, Violation[]> {
  const out = new Map<PlacedObject, Violation[]>();
  const targets = scaleTargets(objects);
  for (const placed of objects) {
    const { object: o } = placed;
    const found = objectViolations(o);
    const scaler = targets.get(`${o.metadata.namespace ?? ''}/${o.kind}/${o.metadata.name}`);
    if (scaler && isObj(o.spec) && o.spec.replicas !== undefined) {
      found.push({
        rule: 'autoscaler-replicas',
        field: 'spec.replicas',
        message: `${scaler} owns the replica count, yet the ${o.kind} sets replicas (each apply would reset the autoscaler's choice)`,
        fix: `leave replicas out of the ${o.kind} (the release's autoscaled daemons omit it)`,
      });
    }
    if (found.length > 0) out.set(placed, found);
  }
  return out;
}
