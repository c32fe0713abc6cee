/**
 * Offline schema validation of synthesized objects against the models of `kubernetes-models` and the CRD packages
 * (`@kubernetes-models/flux-cd`, `prometheus-operator`, `keda`), including unknown fields.
 *
 * The model packages ship compiled validators (ajv standalone code), not JSON Schemas, and those validators accept
 * extra properties. To find unknown fields without a second copy of the schemas, the object is validated through a
 * Proxy that records which properties the validator looks up: a compiled validator reads every property its schema
 * declares (`data.x !== undefined`), and enumerates the keys of a map (`additionalProperties`). A key of an object that
 * the validator inspected but never read is therefore not in the schema. An object the validator never inspected, or
 * on which it read nothing (`x-kubernetes-preserve-unknown-fields`, such as a HelmRelease's `values`), is free-form.
 *
 * The Flux kinds the model packages that run on our Node.js versions lack (HelmRelease v2, HelmRepository v1) are
 * validated against their CRD schemas copied from Flux's sources (`flux-crds.ts`, with ajv: `crd-schema.ts`), and
 * their metadata against the ObjectMeta model.
 *
 * Validators are imported lazily, once per apiVersion/kind, so a run pays only for the kinds it produces.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { closest } from 'fastest-levenshtein';
import type { KubeObject } from '../synth/files.js';
import { moduleHost } from '../module-host.js';
import { compileCrd, type CrdError, type CrdValidate } from './crd-schema.js';
import { FLUX_CRD_SCHEMAS } from './flux-crds.js';
import { BUNDLED_MODELS } from './models.js';

/** A schema problem in one object. */
export interface SchemaIssue {
  readonly rule: 'schema' | 'unknown-field' | 'unknown-kind';
  /** `spec.template.spec.containers[0].image`; empty for the whole object. */
  readonly field: string;
  readonly message: string;
  readonly fix: string;
}

type Validate = (data: unknown) => void;

/** Where the model of an API group lives: a module prefix, followed by `/<version>/<Kind>`. */
export function modelModule(apiVersion: string, kind: string): string | undefined {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (!/^v[0-9]+((alpha|beta)[0-9]+)?$/.test(version)) return undefined;
  if (group === '') return `kubernetes-models/${version}/${kind}`;
  if (!/^[a-z0-9.-]+$/.test(group)) return undefined;
  if (!group.includes('.') || group.endsWith('.k8s.io')) return `kubernetes-models/${group}/${version}/${kind}`;
  if (group.endsWith('.toolkit.fluxcd.io')) return `@kubernetes-models/flux-cd/${group}/${version}/${kind}`;
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  if (group === 'keda.sh') return `@kubernetes-models/keda/${group}/${version}/${kind}`;
  return undefined;
}

const validators = new Map<string, Promise<Validate | undefined>>();

/** The validator of a kind, imported on first use; `undefined` when no model knows the kind. */
function validatorFor(apiVersion: string, kind: string): Promise<Validate | undefined> {
  const spec = modelModule(apiVersion, kind);
  return spec === undefined ? Promise.resolve(undefined) : modelValidator(spec, kind);
}

/** The validator of the model `name` exported by the module `spec`, imported on first use. */
function modelValidator(spec: string, name: string): Promise<Validate | undefined> {
  const key = `${spec} ${name}`;
  let found = validators.get(key);
  if (!found) {
    found = (BUNDLED_MODELS[spec] ?? (() => moduleHost().import(spec)))().then(
      (loaded) => {
        const mod = loaded as Record<string, unknown>;
        const model = mod[name] as { prototype?: { validate?: () => void } } | undefined;
        const validate = model?.prototype?.validate;
        return typeof validate === 'function' ? (data: unknown) => validate.call(data) : undefined;
      },
      () => undefined,
    );
    validators.set(key, found);
  }
  return found;
}

/** Which properties a validator read on each object, and which objects it enumerated as maps. */
interface Trace {
  readonly read: Map<object, Set<string>>;
  readonly enumerated: Set<object>;
}

function traced(root: unknown): { proxy: unknown; trace: Trace } {
  const trace: Trace = { read: new Map(), enumerated: new Set() };
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const existing = proxies.get(value);
    if (existing) return existing;
    const keys = new Set<string>();
    trace.read.set(value, keys);
    const proxy = new Proxy(value, {
      get(target, key) {
        if (typeof key === 'string') keys.add(key);
        return wrap(Reflect.get(target, key));
      },
      has(target, key) {
        if (typeof key === 'string') keys.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        trace.enumerated.add(target);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return { proxy: wrap(root), trace };
}

/** `spec.template.spec.containers[0].image` from a JSON pointer or a path. */
export function fieldPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number' || /^[0-9]+$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

function pointerPath(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

function describeError(e: AjvError): { field: string; message: string; fix: string } {
  const path = pointerPath(e.instancePath);
  switch (e.keyword) {
    case 'required': {
      const missing = String(e.params.missingProperty);
      return {
        field: fieldPath([...path, missing]),
        message: 'required field is missing',
        fix: `set '${missing}' in the construct that builds this object`,
      };
    }
    case 'type':
      return {
        field: fieldPath(path),
        message: `expected ${String(e.params.type)}`,
        fix: `give '${path[path.length - 1] ?? 'the object'}' a value of type ${String(e.params.type)}`,
      };
    case 'enum':
      return {
        field: fieldPath(path),
        message: `expected one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        fix: 'use one of the allowed values',
      };
    case 'format':
      return {
        field: fieldPath(path),
        message: `expected the format ${String(e.params.format)}`,
        fix: `write a valid ${String(e.params.format)}`,
      };
    default:
      return {
        field: fieldPath(path),
        message: `${e.keyword} check failed${e.message ? `: ${e.message}` : ''}`,
        fix: 'correct the value to match the Kubernetes schema',
      };
  }
}

function unknownFields(root: unknown, trace: Trace): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  // The path is kept as links to the parent's step, and made into an array only for an unknown field.
  const pathOf = (at: Step | undefined): (string | number)[] => {
    const steps: (string | number)[] = [];
    for (let s = at; s !== undefined; s = s.parent) steps.push(s.key);
    return steps.reverse();
  };
  const visit = (value: unknown, at: Step | undefined): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) visit(value[i], { parent: at, key: i });
      return;
    }
    const read = trace.read.get(value);
    // Not inspected, enumerated as a map, or inspected without reading anything (free-form): nothing to report.
    if (read === undefined || trace.enumerated.has(value) || read.size === 0) return;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!read.has(key)) {
        const path = pathOf(at);
        const known = [...read].filter((k) => !k.startsWith('$') && k !== 'constructor' && k !== 'toJSON');
        const near = known.length > 0 ? closest(key, known) : undefined;
        out.push({
          rule: 'unknown-field',
          field: fieldPath([...path, key]),
          message: `field '${key}' is not in the schema of ${path.length === 0 ? 'the object' : `'${fieldPath(path)}'`}`,
          fix: near ? `did you mean '${near}'? Kubernetes would drop or reject '${key}'` : `remove '${key}'`,
        });
        continue;
      }
      visit(record[key], { parent: at, key });
    }
  };
  visit(root, undefined);
  return out;
}

/** One step of a path, linked to its parent's. */
interface Step {
  readonly parent: Step | undefined;
  readonly key: string | number;
}

/** The versions of a group that the model packages know the kind in (for the message about an unknown one). */
function knownVersions(apiVersion: string, kind: string): string[] {
  const group = apiVersion.includes('/') ? apiVersion.replace(/\/[^/]*$/, '') : '';
  const copied = Object.keys(FLUX_CRD_SCHEMAS)
    .map((k) => k.split(' '))
    .filter(([v, k]) => k === kind && v!.startsWith(`${group}/`))
    .map(([v]) => v!);
  return [...new Set([...copied, ...modelVersions(apiVersion, kind)])].sort();
}

/** The versions of a group that the model packages themselves know the kind in. */
function modelVersions(apiVersion: string, kind: string): string[] {
  const spec = modelModule(apiVersion.includes('/') ? apiVersion.replace(/\/[^/]*$/, '/v1') : 'v1', kind);
  if (spec === undefined) return [];
  const parts = spec.split('/');
  const pkg = parts[0]!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  try {
    const root = dirname(moduleHost().resolve(`${pkg}/package.json`));
    const groupDir = join(root, ...parts.slice(pkg.split('/').length, -2));
    return readdirSync(groupDir)
      .filter(
        (v) =>
          /^v[0-9]/.test(v) &&
          (existsSync(join(groupDir, v, `${kind}.js`)) || existsSync(join(groupDir, v, `${kind}.mjs`))),
      )
      .map((v) => (parts.length - pkg.split('/').length > 2 ? `${parts[pkg.split('/').length]}/${v}` : v))
      .sort();
  } catch {
    return [];
  }
}

const crdValidators = new Map<string, Promise<CrdValidate>>();

/** The ObjectMeta model's validator (for the metadata of the kinds validated against a copied CRD schema). */
const objectMeta = (): Promise<Validate | undefined> =>
  modelValidator('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta', 'ObjectMeta');

/** The issues of one failed check of a copied CRD schema. */
function crdIssue(e: CrdError, title: string, source: string): SchemaIssue {
  const path = pointerPath(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const known = Object.keys(e.parentSchema?.properties ?? {});
      const near = known.length > 0 ? closest(key, known) : undefined;
      return {
        rule: 'unknown-field',
        field: fieldPath([...path, key]),
        message: `field '${key}' is not in the schema of ${path.length === 0 ? 'the object' : `'${fieldPath(path)}'`} (${title}, ${source})`,
        fix: near ? `did you mean '${near}'? Kubernetes would drop '${key}'` : `remove '${key}'`,
      };
    }
    case 'x-rucio-gitops-trimmed':
      return {
        rule: 'schema',
        field: fieldPath(path),
        message: `the schema of '${fieldPath(path)}' was trimmed from the copy of ${title} in src/checks/flux-crds.ts`,
        fix: `copy its schema from ${source} into src/checks/flux-crds.ts before writing it`,
      };
    case 'x-kubernetes-validations':
      return {
        rule: 'schema',
        field: fieldPath(path),
        message: e.message ?? 'a validation rule of the CRD failed',
        fix: `follow the rule of ${title}`,
      };
    case 'pattern':
      return {
        rule: 'schema',
        field: fieldPath(path),
        message: `expected a value matching ${String(e.params.pattern)}`,
        fix: 'correct the value',
      };
    case 'minLength':
    case 'maxLength':
      return {
        rule: 'schema',
        field: fieldPath(path),
        message: `expected ${e.keyword === 'minLength' ? 'at least' : 'at most'} ${String(e.params.limit)} characters`,
        fix: 'correct the value',
      };
    default:
      return { rule: 'schema', ...describeError(e) };
  }
}

/** Validates an object of a kind whose CRD schema is copied in flux-crds.ts. */
async function validateAgainstCrd(object: KubeObject, key: string): Promise<SchemaIssue[]> {
  const { schema, source } = FLUX_CRD_SCHEMAS[key]!;
  let validate = crdValidators.get(key);
  if (!validate) {
    validate = compileCrd(schema);
    crdValidators.set(key, validate);
  }
  const title = `${object.apiVersion} ${object.kind}`;
  const from = `${source.repository} ${source.path}@${source.commit.slice(0, 12)}`;
  const issues = (await validate)(object).map((e) => crdIssue(e, title, from));
  const meta = object.metadata;
  if (meta !== null && typeof meta === 'object') {
    const validateMeta = await objectMeta();
    if (!validateMeta) throw new Error('the ObjectMeta model of @kubernetes-models/apimachinery is missing');
    issues.push(
      ...modelIssues(validateMeta, meta).map((i) => ({
        ...i,
        field: i.field === '' ? 'metadata' : i.field.startsWith('[') ? `metadata${i.field}` : `metadata.${i.field}`,
      })),
    );
  }
  return issues;
}

/** The issues a model's validator finds in an object: schema errors and the fields it never read. */
function modelIssues(validate: Validate, object: unknown): SchemaIssue[] {
  const { proxy, trace } = traced(object);
  const issues: SchemaIssue[] = [];
  try {
    validate(proxy);
  } catch (e) {
    const errors = (e as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) throw e;
    const seen = new Set<string>();
    for (const err of errors) {
      const d = describeError(err);
      const key = `${d.field}\u0000${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push({ rule: 'schema', ...d });
    }
  }
  issues.push(...unknownFields(object, trace));
  return issues;
}

/** Validates one object: schema errors, unknown fields, or an unknown kind. */
export async function validateObject(object: KubeObject): Promise<SchemaIssue[]> {
  const { apiVersion, kind } = object;
  const crd = typeof apiVersion === 'string' && typeof kind === 'string' ? `${apiVersion} ${kind}` : undefined;
  if (crd !== undefined && Object.hasOwn(FLUX_CRD_SCHEMAS, crd)) return validateAgainstCrd(object, crd);
  const validate =
    typeof apiVersion === 'string' && typeof kind === 'string' ? await validatorFor(apiVersion, kind) : undefined;
  if (!validate) {
    const known = typeof apiVersion === 'string' && typeof kind === 'string' ? knownVersions(apiVersion, kind) : [];
    return [
      {
        rule: 'unknown-kind',
        field: '',
        message: `no schema for apiVersion ${JSON.stringify(apiVersion)} kind ${JSON.stringify(kind)} (models: kubernetes-models, @kubernetes-models/flux-cd, prometheus-operator, keda; CRD schemas copied in src/checks/flux-crds.ts)`,
        fix:
          known.length > 0
            ? `the models know ${kind} as ${known.join(', ')}: use one of those, or add a model of this version`
            : 'use an apiVersion and kind the models know, or add the model package and map its group in src/checks/schema.ts',
      },
    ];
  }
  return modelIssues(validate, object);
}
