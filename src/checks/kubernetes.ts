/**
 * Kubernetes' own rules, on every generated object (the schemas check what the environment files say; this checks
 * what the constructs made of it): label and annotation keys and values, annotations ≤ 256 KiB per object, image
 * references in the reference grammar. The 1 MiB limit on a whole object is the `object-size` check of `./index.ts`,
 * which measures what the API server receives (the object as JSON), not the YAML text.
 */
import type { KubeObject } from '../synth/files.js';
import {
  ANNOTATIONS_MAX_BYTES,
  annotationBytes,
  imageReferenceProblem,
  labelValueProblem,
  qualifiedNameProblem,
} from '../../values/kubernetes.js';

/** One violation: the field (a dotted path in the object) and what is wrong. */
export interface KubernetesIssue {
  readonly field: string;
  readonly rule: 'k8s-label' | 'k8s-annotation' | 'k8s-image';
  readonly message: string;
  /** The label or annotation key involved, to find where an environment file wrote it. */
  readonly key?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A key safe to print: long or odd keys are cut (a key could hold anything). */
const show = (k: string) =>
  k.length > 60 || /[^\x20-\x7e]/.test(k) ? `${k.slice(0, 40).replace(/[^\x20-\x7e]/g, '?')}…` : k;

/** One step of a path, linked to its parent's. */
interface Step {
  readonly parent: Step | undefined;
  readonly key: string | number;
}

/** `spec.template.spec.containers[0]` from a linked path. */
function pathText(at: Step | undefined): string {
  const steps: (string | number)[] = [];
  for (let s = at; s !== undefined; s = s.parent) steps.push(s.key);
  let path = '';
  for (let i = steps.length - 1; i >= 0; i--) {
    const k = steps[i]!;
    path = typeof k === 'number' ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`;
  }
  return path;
}

/**
 * Every `metadata` (the object's and its templates') and every container list, found by one walk. The path of a
 * value is made into text only when the visitor asks for it (for an issue).
 */
function walk(root: unknown, visit: (value: Record<string, unknown>, path: () => string, key: string) => void): void {
  const stack: { value: unknown; at: Step | undefined; key: string }[] = [{ value: root, at: undefined, key: '' }];
  while (stack.length > 0) {
    const { value, at, key } = stack.pop()!;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], at: { parent: at, key: i }, key });
      continue;
    }
    if (!isRecord(value)) continue;
    visit(value, () => pathText(at), key);
    for (const k of Object.keys(value)) stack.push({ value: value[k], at: { parent: at, key: k }, key: k });
  }
}

/** The Kubernetes rules over one object. */
export function kubernetesIssues(object: KubeObject): KubernetesIssue[] {
  const out: KubernetesIssue[] = [];
  walk(object, (value, pathOf, key) => {
    if (key === 'metadata') {
      const labels = value.labels;
      if (isRecord(labels))
        for (const [k, v] of Object.entries(labels)) {
          const keyProblem = qualifiedNameProblem(k);
          if (keyProblem)
            out.push({
              field: `${pathOf()}.labels`,
              rule: 'k8s-label',
              key: k,
              message: `label key '${show(k)}' ${keyProblem}`,
            });
          const valueProblem = labelValueProblem(String(v));
          if (valueProblem)
            out.push({
              field: `${pathOf()}.labels.${k}`,
              rule: 'k8s-label',
              key: k,
              message: `the value of label '${show(k)}' ${valueProblem}`,
            });
        }
      const annotations = value.annotations;
      if (isRecord(annotations)) {
        for (const k of Object.keys(annotations)) {
          const keyProblem = qualifiedNameProblem(k);
          if (keyProblem)
            out.push({
              field: `${pathOf()}.annotations`,
              rule: 'k8s-annotation',
              key: k,
              message: `annotation key '${show(k)}' ${keyProblem}`,
            });
        }
        const total = annotationBytes(annotations as Record<string, string>);
        if (total > ANNOTATIONS_MAX_BYTES)
          out.push({
            field: `${pathOf()}.annotations`,
            rule: 'k8s-annotation',
            message: `the annotations take ${total} bytes: Kubernetes accepts at most ${ANNOTATIONS_MAX_BYTES} (256 KiB) per object`,
          });
      }
    }
    if ((key === 'containers' || key === 'initContainers' || key === 'ephemeralContainers') && 'image' in value) {
      const image = value.image;
      const problem = typeof image === 'string' ? imageReferenceProblem(image) : 'is not a string';
      if (problem)
        out.push({ field: `${pathOf()}.image`, rule: 'k8s-image', message: `the image reference ${problem}` });
    }
  });
  return out;
}
