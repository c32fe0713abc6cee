/**
 * Compares two output trees object by object: which objects each environment gains, loses and changes, which
 * fields changed (list items with names matched by name, not position), a YAML diff per object, and the risky
 * changes a reviewer must not miss. Secret-looking values are masked before anything leaves this module.
 */
import { createTwoFilesPatch } from 'diff';
import { parse } from 'yaml';
import { toYaml } from '../synth/yaml-emit.js';
import { compareCapacity, type EnvironmentCapacity } from './capacity.js';
import { isNamedList, maskPair, maskUrlCredentials, type Step } from './mask.js';

/** One object of a tree. */
export interface ObjectRef {
  readonly environment: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** The file, relative to the output folder. */
  readonly file: string;
}

/** One changed field: its path (`spec.template.spec.containers[rucio-server].image`) and the values (masked). */
export interface FieldChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export type RiskKind = 'selector' | 'prune' | 'image' | 'replicas' | 'rollout' | 'config';

/** A change a reviewer must look at. */
export interface Risk {
  readonly kind: RiskKind;
  readonly message: string;
}

export interface ObjectChange {
  readonly status: 'added' | 'removed' | 'changed';
  readonly object: ObjectRef;
  readonly fields: readonly FieldChange[];
  /** Unified diff of the YAML (masked), empty for added/removed objects. */
  readonly diff: string;
  readonly risks: readonly Risk[];
}

/** A file that is not a Kubernetes object (`.sourceignore`, an haproxy.cfg for VMs). */
export interface FileChange {
  readonly status: 'added' | 'removed' | 'changed';
  readonly file: string;
  readonly diff: string;
}

export interface EnvironmentReview {
  readonly name: string;
  readonly changes: readonly ObjectChange[];
}

export interface Review {
  readonly base: string;
  readonly environments: readonly EnvironmentReview[];
  readonly files: readonly FileChange[];
  /** Pods, CPU and memory of each environment with changes, release by release, before and after. */
  readonly capacity: readonly EnvironmentCapacity[];
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function environmentOf(file: string): string {
  const parts = file.split('/');
  return parts.length >= 3 ? parts[1]! : '(repository)';
}

function objectKey(o: ObjectRef): string {
  return `${o.environment}\0${o.kind}\0${o.namespace ?? ''}\0${o.name}`;
}

/** A readable name: `Deployment/rucio-server` or `Deployment/rucio/rucio-server` when namespaced elsewhere. */
export function objectLabel(o: ObjectRef): string {
  return `${o.kind}/${o.name}`;
}

interface Parsed {
  readonly ref: ObjectRef;
  readonly value: Record<string, unknown>;
}

function parseTree(files: ReadonlyMap<string, string>): { objects: Map<string, Parsed>; others: Map<string, string> } {
  const objects = new Map<string, Parsed>();
  const others = new Map<string, string>();
  for (const [file, text] of files) {
    const base = file.split('/').pop()!;
    if (base === 'kustomization.yaml') continue; // lists the object files: derived, not reviewed
    if (!file.endsWith('.yaml')) {
      others.set(file, text);
      continue;
    }
    let value: unknown;
    try {
      value = parse(text);
    } catch {
      others.set(file, text);
      continue;
    }
    const meta = isMap(value) && isMap(value.metadata) ? value.metadata : undefined;
    if (!isMap(value) || typeof value.kind !== 'string' || !meta || typeof meta.name !== 'string') {
      others.set(file, text);
      continue;
    }
    const ref: ObjectRef = {
      environment: environmentOf(file),
      kind: value.kind,
      name: meta.name,
      ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
      file,
    };
    objects.set(objectKey(ref), { ref, value });
  }
  return { objects, others };
}

/** `after` with the items of its named lists in the order of `before`'s (new ones last), so a text diff aligns them. */
export function align(before: unknown, after: unknown): unknown {
  if (isMap(before) && isMap(after))
    return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, align(before[k], v)]));
  if (isNamedList(before) && isNamedList(after)) {
    const order = new Map(before.map((i, n) => [i.name, n]));
    const old = new Map(before.map((i) => [i.name, i]));
    return [...after]
      .map((item, n) => ({ item, n }))
      .sort((x, y) => (order.get(x.item.name) ?? before.length + x.n) - (order.get(y.item.name) ?? before.length + y.n))
      .map(({ item }) => align(old.get(item.name), item));
  }
  return after;
}

function stepText(path: readonly Step[]): string {
  let out = '';
  for (const s of path) {
    if ('key' in s)
      out += out === '' ? s.key : /^[A-Za-z0-9_-]+$/.test(s.key) ? `.${s.key}` : `[${JSON.stringify(s.key)}]`;
    else if ('item' in s) out += `[${s.item}]`;
    else out += `[${s.index}]`;
  }
  return out;
}

/** The changed leaves of two versions of an object; named lists are compared by item name. */
export function fieldChanges(before: unknown, after: unknown, path: Step[] = []): FieldChange[] {
  if (same(before, after)) return [];
  if (isMap(before) && isMap(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(byString);
    return keys.flatMap((k) => fieldChanges(before[k], after[k], [...path, { key: k }]));
  }
  if (isNamedList(before) && isNamedList(after)) {
    const a = new Map(before.map((i) => [i.name, i]));
    const b = new Map(after.map((i) => [i.name, i]));
    const names = [...before.map((i) => i.name), ...after.map((i) => i.name).filter((n) => !a.has(n))];
    return names.flatMap((n) => fieldChanges(a.get(n), b.get(n), [...path, { item: n }]));
  }
  return [
    { path: stepText(path), ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) },
  ];
}

const show = (v: unknown) => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

function objectRisks(ref: ObjectRef, fields: readonly FieldChange[]): Risk[] {
  const risks: Risk[] = [];
  const label = objectLabel(ref);
  if (WORKLOADS.has(ref.kind)) {
    const selector = fields.filter((f) => f.path === 'spec.selector' || f.path.startsWith('spec.selector.'));
    if (selector.length > 0) {
      risks.push({
        kind: 'selector',
        message: `${label}: selector changed (${selector.map((f) => f.path).join(', ')}); it is immutable, so the apply will fail: delete the ${ref.kind} in the same rollout or keep the selector`,
      });
    }
    for (const f of fields.filter((f) =>
      /\.containers\[[^\]]+\]\.image$|\.initContainers\[[^\]]+\]\.image$/.test(f.path),
    )) {
      risks.push({ kind: 'image', message: `${label}: image ${show(f.before)} → ${show(f.after)}` });
    }
    const replicas = fields.find((f) => f.path === 'spec.replicas');
    if (replicas)
      risks.push({
        kind: 'replicas',
        message: `${label}: replicas ${show(replicas.before)} → ${show(replicas.after)}`,
      });
    const template = fields.filter((f) => f.path.startsWith('spec.template.'));
    if (template.length > 0 && !selector.length) {
      risks.push({
        kind: 'rollout',
        message: `${label}: pod template changed, the pods roll (${template.length} field${template.length === 1 ? '' : 's'})`,
      });
    }
  }
  if (ref.kind === 'Kustomization') {
    const path = fields.find((f) => f.path === 'spec.path');
    if (path)
      risks.push({
        kind: 'prune',
        message: `${label}: path ${show(path.before)} → ${show(path.after)}; with prune on, Flux deletes what it applied from the old path that the new one lacks`,
      });
    const prune = fields.find((f) => f.path === 'spec.prune');
    if (prune) risks.push({ kind: 'prune', message: `${label}: prune ${show(prune.before)} → ${show(prune.after)}` });
    const target = fields.find((f) => f.path === 'spec.targetNamespace');
    if (target)
      risks.push({
        kind: 'prune',
        message: `${label}: target namespace ${show(target.before)} → ${show(target.after)}; the objects move: Flux prunes them in the old namespace`,
      });
  }
  if (
    (ref.kind === 'ConfigMap' || ref.kind === 'Secret') &&
    fields.some((f) => f.path.startsWith('data') || f.path.startsWith('stringData') || f.path.startsWith('binaryData'))
  ) {
    risks.push({ kind: 'config', message: `${label}: configuration changed` });
  }
  return risks;
}

interface FluxLayer {
  readonly name: string;
  readonly folder: string;
  readonly prune: boolean;
}

/** The Kustomizations of the new tree that reconcile each folder (`./apps/<env>/<release>` → that folder). */
function fluxLayers(objects: ReadonlyMap<string, Parsed>): FluxLayer[] {
  const layers: FluxLayer[] = [];
  for (const { ref, value } of objects.values()) {
    if (ref.kind !== 'Kustomization' || !String(value.apiVersion).startsWith('kustomize.toolkit.fluxcd.io/')) continue;
    const spec = isMap(value.spec) ? value.spec : {};
    const path = typeof spec.path === 'string' ? spec.path : '';
    const m = /(?:^|\/)((?:apps|infrastructure|clusters)\/.*)$/.exec(path);
    if (m) layers.push({ name: ref.name, folder: m[1]!.replace(/\/$/, ''), prune: spec.prune === true });
  }
  return layers;
}

function fileDiff(file: string, before: string, after: string): string {
  const patch = createTwoFilesPatch(
    `a/${file}`,
    `b/${file}`,
    maskUrlCredentials(before),
    maskUrlCredentials(after),
    undefined,
    undefined,
    { context: 3 },
  );
  return patch
    .split('\n')
    .filter((l) => !l.startsWith('===='))
    .join('\n')
    .trimEnd();
}

/** Compares the tree at the base with the tree synth produces now (both relative to the output folder). */
export function compareTrees(
  baseName: string,
  base: ReadonlyMap<string, string>,
  head: ReadonlyMap<string, string>,
): Review {
  const a = parseTree(base);
  const b = parseTree(head);
  const layers = fluxLayers(b.objects);
  const baseLayers = fluxLayers(a.objects);
  const changes: ObjectChange[] = [];
  for (const key of new Set([...a.objects.keys(), ...b.objects.keys()])) {
    const before = a.objects.get(key);
    const after = b.objects.get(key);
    if (before && after) {
      if (same(before.value, after.value)) continue;
      const [mb, ma] = maskPair(after.ref.kind, before.value, align(before.value, after.value));
      const fields = fieldChanges(mb, ma);
      const patch = fileDiff(after.ref.file, toYaml(mb), toYaml(ma));
      changes.push({
        status: 'changed',
        object: after.ref,
        fields,
        diff: patch,
        risks: objectRisks(after.ref, fields),
      });
    } else if (after) {
      changes.push({ status: 'added', object: after.ref, fields: [], diff: '', risks: [] });
    } else if (before) {
      const folder = before.ref.file.split('/').slice(0, -1).join('/');
      const risks: Risk[] = [];
      const layer = layers.find((l) => folder === l.folder || folder.startsWith(`${l.folder}/`));
      const oldLayer = baseLayers.find((l) => folder === l.folder || folder.startsWith(`${l.folder}/`));
      if (layer?.prune)
        risks.push({
          kind: 'prune',
          message: `${objectLabel(before.ref)}: Flux will prune it (deleted from the cluster by Kustomization ${layer.name})`,
        });
      else if (!layer && oldLayer?.prune)
        risks.push({
          kind: 'prune',
          message: `${objectLabel(before.ref)}: its Kustomization ${oldLayer.name} goes away; with prune on, Flux deletes everything it applied`,
        });
      if (before.ref.kind === 'Kustomization' && isMap(before.value.spec) && before.value.spec.prune === true) {
        risks.push({
          kind: 'prune',
          message: `${objectLabel(before.ref)}: removing a pruning Kustomization deletes every object it applied (${String(before.value.spec.path)})`,
        });
      }
      changes.push({ status: 'removed', object: before.ref, fields: [], diff: '', risks });
    }
  }
  const envs = new Map<string, ObjectChange[]>();
  for (const c of changes) envs.set(c.object.environment, [...(envs.get(c.object.environment) ?? []), c]);
  const order = { removed: 0, changed: 1, added: 2 } as const;
  const environments = [...envs.entries()]
    .sort(([x], [y]) => byString(x, y))
    .map(([name, list]) => ({
      name,
      changes: list.sort(
        (x, y) =>
          order[x.status] - order[y.status] ||
          byString(x.object.kind, y.object.kind) ||
          byString(x.object.name, y.object.name) ||
          byString(x.object.file, y.object.file),
      ),
    }));
  const files: FileChange[] = [];
  for (const file of [...new Set([...a.others.keys(), ...b.others.keys()])].sort(byString)) {
    const x = a.others.get(file);
    const y = b.others.get(file);
    if (x === y) continue;
    files.push({
      status: x === undefined ? 'added' : y === undefined ? 'removed' : 'changed',
      file,
      diff: fileDiff(file, x ?? '', y ?? ''),
    });
  }
  const capacity = compareCapacity(
    base,
    head,
    environments.map((e) => e.name),
  );
  return { base: baseName, environments, files, capacity };
}

/** Every risk of a review, by environment. */
export function allRisks(review: Review): Array<{ environment: string; risk: Risk }> {
  return review.environments.flatMap((e) =>
    e.changes.flatMap((c) => c.risks.map((risk) => ({ environment: e.name, risk }))),
  );
}

/** Whether anything differs. */
export function hasChanges(review: Review): boolean {
  return review.environments.length > 0 || review.files.length > 0;
}
