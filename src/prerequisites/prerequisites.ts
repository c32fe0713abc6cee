/**
 * What must exist in a cluster before Flux applies an environment, read from the synthesized objects (never from the
 * environment files, so it cannot drift from what is applied):
 *
 * - every Secret an object refers to (pod volumes and projected volumes, `secretKeyRef`, `envFrom`,
 *   `imagePullSecrets`, an Ingress's TLS, a GitRepository's `secretRef`) that synth does not write, with the keys the
 *   objects read (`secretKeyRef.key`, volume `items`, a `subPath`, or a file the configuration names under a folder
 *   the Secret is mounted at). A Secret that an in-cluster job writes (a Role allowed to update it, bound to the job's
 *   ServiceAccount) is listed with that job, since pods that mount it wait for its first run;
 * - every CustomResourceDefinition of a kind synth writes outside the built-in API groups, with the project that
 *   installs it;
 * - the Namespace, when synth does not write it (an environment without a `flux` block).
 *
 * `prerequisites()` is the function other commands build on (`init`); `formatPrerequisites()` prints it with the
 * `kubectl create secret` lines to fill in.
 */
import type { KubeObject, RenderedFile } from '../synth/files.js';

/** A Secret that must exist (or that a job in the environment writes). */
export interface SecretNeed {
  readonly namespace: string;
  readonly name: string;
  /** The keys the objects read, sorted; empty when they mount the whole Secret without naming any file. */
  readonly keys: readonly string[];
  /** Folders the whole Secret is mounted at (each key becomes a file there). */
  readonly mountedAt: readonly string[];
  /** `Kind/name` of the objects that refer to it, sorted. */
  readonly usedBy: readonly string[];
  /** `Kind/name` of the in-cluster job that writes it, when one does. */
  readonly writtenBy?: string;
  /** The Secret's type when the objects imply one (`kubernetes.io/tls` for an Ingress's certificate). */
  readonly type?: string;
}

/** A CustomResourceDefinition that must be installed. */
export interface CrdNeed {
  /** `<plural>.<group>`, as `kubectl get crd` lists it. */
  readonly name: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** The project whose installation provides it. */
  readonly providedBy: string;
  readonly usedBy: readonly string[];
}

/** Everything one environment needs before Flux applies it. */
export interface EnvironmentPrerequisites {
  readonly environment: string;
  /** Namespaces the objects live in that synth does not write (to create by hand), sorted. */
  readonly namespaces: readonly string[];
  /** Namespaces of the Flux objects, which `flux bootstrap` creates. */
  readonly fluxNamespaces: readonly string[];
  /** Namespaces synth writes (`clusters/<env>/Namespace.*`), owned by Flux. */
  readonly writtenNamespaces: readonly string[];
  readonly secrets: readonly SecretNeed[];
  readonly crds: readonly CrdNeed[];
}

/** API groups every cluster serves: their kinds need no CRD. */
const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'rbac.authorization.k8s.io',
  'networking.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'certificates.k8s.io',
  'node.k8s.io',
]);

/** Who installs the CRDs of an API group. */
function providerOf(group: string): string {
  if (group.endsWith('.fluxcd.io')) return 'Flux (flux bootstrap installs it)';
  if (group === 'monitoring.coreos.com') return 'Prometheus Operator (e.g. the kube-prometheus-stack chart)';
  if (group === 'keda.sh') return 'KEDA (the keda chart)';
  return group;
}

/** The plural resource name of a kind, as the API server derives it for these CRDs. */
function plural(kind: string): string {
  const k = kind.toLowerCase();
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(k)) return `${k}es`;
  return `${k}s`;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The environment an output path belongs to (`apps/<env>/…`, `infrastructure/<env>/…`, `clusters/<env>/…`). */
function environmentOf(path: string): string | undefined {
  const [top, env] = path.split('/');
  return top && env && ['apps', 'infrastructure', 'clusters'].includes(top) ? env : undefined;
}

/** The pod spec of a workload, if the object has one. */
function podSpecOf(o: KubeObject): Obj | undefined {
  const spec = isObj(o.spec) ? o.spec : undefined;
  if (!spec) return undefined;
  if (o.kind === 'Pod') return spec;
  if (o.kind === 'CronJob') {
    const job = isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
    return job && isObj(job.template) && isObj(job.template.spec) ? job.template.spec : undefined;
  }
  return isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec : undefined;
}

const id = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;

/** Every string in a value (ConfigMap data, env values), for finding the files a configuration names. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (isObj(v)) Object.values(v).forEach((x) => strings(x, out));
  return out;
}

/** File names directly under `folder` that a text names (`/opt/proxy/x509up` → `x509up`). */
function filesNamedUnder(folder: string, texts: readonly string[]): string[] {
  const base = folder.replace(/\/+$/, '');
  const re = new RegExp(`${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([A-Za-z0-9._-]+)(?![A-Za-z0-9._/-])`, 'g');
  const out = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(re)) out.add(m[1]!);
  return [...out];
}

interface Draft {
  namespace: string;
  name: string;
  keys: Set<string>;
  mountedAt: Set<string>;
  usedBy: Set<string>;
  type?: string;
}

/** The prerequisites of each environment in `files`, sorted by environment. */
export function prerequisites(files: readonly RenderedFile[]): EnvironmentPrerequisites[] {
  const byEnv = new Map<string, KubeObject[]>();
  for (const f of files) {
    const env = environmentOf(f.path);
    if (!env || !f.object) continue;
    byEnv.set(env, [...(byEnv.get(env) ?? []), f.object]);
  }
  return [...byEnv.keys()].sort().map((env) => environmentPrerequisites(env, byEnv.get(env)!));
}

function environmentPrerequisites(environment: string, objects: readonly KubeObject[]): EnvironmentPrerequisites {
  const nsOf = (o: KubeObject) => o.metadata.namespace ?? '';
  const written = new Set(objects.map((o) => `${nsOf(o)}/${o.kind}/${o.metadata.name}`));
  const secrets = new Map<string, Draft>();
  const need = (namespace: string, name: string, by: KubeObject): Draft => {
    const key = `${namespace}/${name}`;
    let d = secrets.get(key);
    if (!d) {
      d = { namespace, name, keys: new Set(), mountedAt: new Set(), usedBy: new Set() };
      secrets.set(key, d);
    }
    d.usedBy.add(id(by));
    return d;
  };
  // Text the configuration of the environment holds: where a file under a mounted folder may be named.
  const configTexts = objects
    .filter((o) => o.kind === 'ConfigMap')
    .flatMap((o) => strings(o.data).flatMap((t) => [t, ...strings(safeJson(t))]));

  for (const o of objects) {
    const ns = nsOf(o);
    const pod = podSpecOf(o);
    if (pod) {
      const containers = [...list(pod.initContainers), ...list(pod.containers)];
      const texts = [...configTexts, ...containers.flatMap((c) => strings(c.env).concat(strings(c.args)))];
      for (const v of list(pod.volumes)) {
        const sources: Obj[] = [];
        if (isObj(v.secret)) sources.push({ name: v.secret.secretName, items: v.secret.items, whole: true });
        if (isObj(v.projected))
          for (const s of list(v.projected.sources))
            if (isObj(s.secret)) sources.push({ name: s.secret.name, items: s.secret.items, whole: true });
        for (const s of sources) {
          const name = str(s.name);
          if (!name) continue;
          const d = need(ns, name, o);
          const items = list(s.items);
          if (items.length > 0) {
            for (const i of items) if (str(i.key)) d.keys.add(i.key as string);
            continue;
          }
          for (const c of containers)
            for (const m of list(c.volumeMounts)) {
              if (m.name !== v.name) continue;
              const sub = str(m.subPath);
              const at = str(m.mountPath);
              if (sub) d.keys.add(sub);
              else if (at) {
                d.mountedAt.add(at);
                for (const file of filesNamedUnder(at, texts)) d.keys.add(file);
              }
            }
        }
      }
      for (const c of containers) {
        for (const e of list(c.env)) {
          const ref = isObj(e.valueFrom) && isObj(e.valueFrom.secretKeyRef) ? e.valueFrom.secretKeyRef : undefined;
          if (ref && str(ref.name) && ref.optional !== true) {
            const d = need(ns, ref.name as string, o);
            if (str(ref.key)) d.keys.add(ref.key as string);
          }
        }
        for (const e of list(c.envFrom))
          if (isObj(e.secretRef) && str(e.secretRef.name) && e.secretRef.optional !== true)
            need(ns, e.secretRef.name as string, o);
      }
      for (const p of list(pod.imagePullSecrets))
        if (str(p.name)) {
          const d = need(ns, p.name as string, o);
          d.keys.add('.dockerconfigjson');
          d.type = 'kubernetes.io/dockerconfigjson';
        }
    }
    const spec = isObj(o.spec) ? o.spec : {};
    if (o.kind === 'Ingress')
      for (const t of list(spec.tls))
        if (str(t.secretName)) {
          const d = need(ns, t.secretName as string, o);
          d.keys.add('tls.crt').add('tls.key');
          d.type = 'kubernetes.io/tls';
        }
    if (o.kind === 'GitRepository' && isObj(spec.secretRef) && str(spec.secretRef.name)) {
      const d = need(ns, spec.secretRef.name as string, o);
      const url = str(spec.url) ?? '';
      // What source-controller reads: an SSH deploy key, or HTTPS basic auth.
      for (const k of url.startsWith('ssh://') ? ['identity', 'known_hosts'] : ['username', 'password']) d.keys.add(k);
    }
  }

  // Secrets an in-cluster job writes: a Role that may update them by name, bound to the job's ServiceAccount.
  const writers = new Map<string, string>();
  for (const role of objects.filter((o) => o.kind === 'Role')) {
    const names = list(role.rules)
      .filter((r) => Array.isArray(r.resources) && r.resources.includes('secrets'))
      .filter((r) => Array.isArray(r.verbs) && r.verbs.some((v) => v === 'update' || v === 'patch'))
      .flatMap((r) => (Array.isArray(r.resourceNames) ? r.resourceNames.filter((n) => typeof n === 'string') : []));
    if (names.length === 0) continue;
    const accounts = objects
      .filter((b) => b.kind === 'RoleBinding' && isObj(b.roleRef) && b.roleRef.name === role.metadata.name)
      .flatMap((b) => list(b.subjects).filter((s) => s.kind === 'ServiceAccount'))
      .map((s) => s.name);
    const job = objects.find((w) => {
      const pod = podSpecOf(w);
      return pod !== undefined && accounts.includes(pod.serviceAccountName) && nsOf(w) === nsOf(role);
    });
    if (job) for (const n of names) writers.set(`${nsOf(role)}/${n}`, id(job));
  }

  const secretList: SecretNeed[] = [...secrets.values()]
    .filter((d) => !written.has(`${d.namespace}/Secret/${d.name}`))
    .map((d) => ({
      namespace: d.namespace,
      name: d.name,
      keys: [...d.keys].sort(),
      mountedAt: [...d.mountedAt].sort(),
      usedBy: [...d.usedBy].sort(),
      ...(writers.has(`${d.namespace}/${d.name}`) ? { writtenBy: writers.get(`${d.namespace}/${d.name}`)! } : {}),
      ...(d.type ? { type: d.type } : {}),
    }))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));

  const crds = new Map<string, { apiVersion: string; kind: string; group: string; usedBy: Set<string> }>();
  for (const o of objects) {
    const slash = o.apiVersion.indexOf('/');
    const group = slash < 0 ? '' : o.apiVersion.slice(0, slash);
    if (BUILT_IN_GROUPS.has(group)) continue;
    const name = `${plural(o.kind)}.${group}`;
    const c = crds.get(name) ?? { apiVersion: o.apiVersion, kind: o.kind, group, usedBy: new Set<string>() };
    c.usedBy.add(id(o));
    crds.set(name, c);
  }
  const crdList: CrdNeed[] = [...crds]
    .map(([name, c]) => ({
      name,
      apiVersion: c.apiVersion,
      kind: c.kind,
      providedBy: providerOf(c.group),
      usedBy: [...c.usedBy].sort(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));

  const writtenNamespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
  const fluxNamespaces = [
    ...new Set(objects.filter((o) => o.apiVersion.split('/')[0]!.endsWith('.fluxcd.io')).map(nsOf)),
  ].filter((n) => n !== '' && !writtenNamespaces.includes(n));
  const namespaces = [...new Set(objects.map(nsOf).filter((n) => n !== ''))]
    .filter((n) => !writtenNamespaces.includes(n) && !fluxNamespaces.includes(n))
    .sort();
  return {
    environment,
    namespaces,
    fluxNamespaces: fluxNamespaces.sort(),
    writtenNamespaces: writtenNamespaces.sort(),
    secrets: secretList,
    crds: crdList,
  };
}

function safeJson(text: string): unknown {
  const t = text.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

const quote = (s: string) => (/^[A-Za-z0-9._/:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The `kubectl` line that creates a Secret, with placeholders to fill in. */
function createSecretCommand(s: SecretNeed): string {
  const ns = `-n ${quote(s.namespace)}`;
  if (s.type === 'kubernetes.io/tls')
    return `kubectl ${ns} create secret tls ${quote(s.name)} --cert=PATH/TO/tls.crt --key=PATH/TO/tls.key`;
  if (s.type === 'kubernetes.io/dockerconfigjson')
    return `kubectl ${ns} create secret docker-registry ${quote(s.name)} --docker-server=REGISTRY --docker-username=USER --docker-password=PASSWORD`;
  const fileLike = (k: string) =>
    /\.(pem|crt|key|cert)$|^x509|^identity$|^known_hosts$/.test(k) || s.mountedAt.length > 0;
  const keys = s.keys.map((k) =>
    fileLike(k) ? `--from-file=${quote(`${k}=PATH/TO/${k}`)}` : `--from-literal=${quote(`${k}=VALUE`)}`,
  );
  if (keys.length === 0) keys.push(`--from-file=PATH/TO/FOLDER   # mounted at ${s.mountedAt.join(', ')}`);
  return `kubectl ${ns} create secret generic ${quote(s.name)} ${keys.join(' ')}`;
}

/** The report `rucio-gitops prerequisites` prints. */
export function formatPrerequisites(all: readonly EnvironmentPrerequisites[]): string {
  const out: string[] = [];
  for (const p of all) {
    out.push(`${p.environment}: what must exist before Flux applies it`);
    out.push('');
    out.push('  namespaces:');
    for (const n of p.writtenNamespaces)
      out.push(`    ${n}  (written by synth in clusters/${p.environment}/, applied by Flux)`);
    for (const n of p.fluxNamespaces) out.push(`    ${n}  (created by flux bootstrap)`);
    for (const n of p.namespaces) out.push(`    ${n}  (create it: kubectl create namespace ${quote(n)})`);
    out.push('');
    out.push(`  custom resource definitions (${p.crds.length}):`);
    for (const c of p.crds)
      out.push(
        `    ${c.name}  ${c.apiVersion} ${c.kind}, from ${c.providedBy}; used by ${c.usedBy.length} object${c.usedBy.length === 1 ? '' : 's'}`,
      );
    if (p.crds.length === 0) out.push('    none');
    const byHand = p.secrets.filter((s) => !s.writtenBy);
    const byJob = p.secrets.filter((s) => s.writtenBy);
    out.push('');
    out.push(`  secrets to create (${byHand.length}):`);
    for (const s of byHand) {
      const keys = s.keys.length > 0 ? `keys ${s.keys.join(', ')}` : 'any keys';
      const at = s.mountedAt.length > 0 ? `; mounted at ${s.mountedAt.join(', ')} (each key a file)` : '';
      out.push(`    ${s.namespace}/${s.name}  ${keys}${at}; used by ${summary(s.usedBy)}`);
    }
    if (byHand.length === 0) out.push('    none');
    if (byJob.length > 0) {
      out.push('');
      out.push(
        `  secrets written in the cluster by a job (${byJob.length}): run the job once before the pods that mount them`,
      );
      for (const s of byJob)
        out.push(`    ${s.namespace}/${s.name}  written by ${s.writtenBy}; used by ${summary(s.usedBy)}`);
    }
    if (byHand.length > 0) {
      out.push('');
      out.push('  fill in and run:');
      for (const s of byHand) out.push(`    ${createSecretCommand(s)}`);
    }
    out.push('');
  }
  return out.join('\n');
}

function summary(ids: readonly string[]): string {
  return ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 2).join(', ')} and ${ids.length - 2} more`;
}
