/**
 * Kubernetes' own rules for names the environment files pass through: label and annotation keys and values, the size
 * of an object's annotations, image references. The schemas use them (so a mistake is an error at its file, line and
 * key) and the checks apply them again to every generated object (so a construct cannot get past them either).
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 * @see https://github.com/distribution/reference/blob/main/reference.go
 */
import { z } from 'zod';

/** The total size of an object's annotations (keys and values) the API server accepts. */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** What is wrong with a label or annotation key (`[prefix/]name`), or undefined. */
export function qualifiedNameProblem(key: string): string | undefined {
  if (key.length > 253 + 1 + 63) return `is ${key.length} characters long: a prefix has at most 253 and a name 63`;
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))
      return 'has a prefix that is not a DNS subdomain of at most 253 characters (lowercase letters, digits, "-" and ".")';
  }
  if (name.length === 0 || name.length > 63)
    return `has a name part of ${name.length} characters: it must have 1 to 63 (after the optional "prefix/")`;
  if (!NAME.test(name))
    return 'has a name part with characters Kubernetes does not allow: letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** What is wrong with a label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `is ${value.length} characters long: a label value has at most 63`;
  if (value !== '' && !NAME.test(value))
    return 'has characters a label value may not hold: letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** The bytes an annotation map takes against the API server's limit. */
export function annotationBytes(annotations: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  return total;
}

const DOMAIN_COMPONENT = /^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const PATH_COMPONENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST_ALGORITHM = /^[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*$/;

/** What is wrong with an image name without tag or digest (`registry.example.org:5000/rucio/rucio-server`). */
export function imageNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 255) return `is ${name.length} characters long: an image name has at most 255`;
  const parts = name.split('/');
  const first = parts[0]!;
  const isDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (isDomain) {
    const [host, port, ...more] = first.split(':');
    if (more.length > 0 || (port !== undefined && !/^[0-9]{1,5}$/.test(port)))
      return `has a registry '${first}' with a port that is not a number`;
    if (!host!.split('.').every((c) => DOMAIN_COMPONENT.test(c)))
      return `has a registry '${host}' that is not a host name`;
  }
  const path = isDomain ? parts.slice(1) : parts;
  if (path.length === 0) return 'has a registry but no repository';
  const bad = path.find((c) => !PATH_COMPONENT.test(c));
  if (bad !== undefined)
    return `has a path component '${bad.length > 40 ? `${bad.slice(0, 37)}...` : bad}' outside the reference grammar: lowercase letters and digits, separated by ".", "_", "__" or "-"`;
  return undefined;
}

/** What is wrong with a full image reference (`name[:tag][@algorithm:hex]`), or undefined. */
export function imageReferenceProblem(reference: string): string | undefined {
  if (reference.length > 4096) return `is ${reference.length} characters long`;
  let rest = reference;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const colon = digest.indexOf(':');
    const algorithm = digest.slice(0, colon);
    const hex = digest.slice(colon + 1);
    if (colon < 1 || !DIGEST_ALGORITHM.test(algorithm) || !/^[a-fA-F0-9]{32,}$/.test(hex))
      return 'has a digest that is not algorithm:hex (sha256:<64 hex digits>)';
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    const tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      return 'has a tag outside the reference grammar: letters, digits, "_", "." and "-", at most 128, not starting with "." or "-"';
  }
  const name = imageNameProblem(rest);
  return name === undefined ? undefined : `has a name that ${name.replace(/^is /, 'is ').replace(/^has /, 'has ')}`;
}

/** Labels: keys are qualified names, values label values. */
export const labelMap = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  for (const [k, v] of Object.entries(labels)) {
    const key = qualifiedNameProblem(k);
    if (key) ctx.addIssue({ code: 'custom', path: [k], message: `the label key ${key}` });
    const value = labelValueProblem(v);
    if (value) ctx.addIssue({ code: 'custom', path: [k], message: `the label value ${value}` });
  }
});

/** Annotations: keys are qualified names, all of them together at most 256 KiB. */
export const annotationMap = z.record(z.string(), z.string()).superRefine((annotations, ctx) => {
  for (const k of Object.keys(annotations)) {
    const key = qualifiedNameProblem(k);
    if (key) ctx.addIssue({ code: 'custom', path: [k], message: `the annotation key ${key}` });
  }
  const bytes = annotationBytes(annotations);
  if (bytes > ANNOTATIONS_MAX_BYTES)
    ctx.addIssue({
      code: 'custom',
      path: [],
      message: `annotations take ${bytes} bytes: Kubernetes accepts at most ${ANNOTATIONS_MAX_BYTES} (256 KiB) per object`,
    });
});

/** An image repository (no tag): the reference grammar's name. */
export const imageRepository = z.string().superRefine((name, ctx) => {
  const problem = imageNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: `the image name ${problem}` });
});
