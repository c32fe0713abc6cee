/**
 * Helm values files and Flux HelmReleases, read the way Helm and Flux read them.
 *
 * Several files per release are merged in order, later files winning: maps merge key by key, lists and scalars
 * replace, and `null` removes the key (as `helm -f a.yaml -f b.yaml` does). Each leaf remembers the file that set it,
 * so the imported environment can say where each block came from.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { MAX_FILE_BYTES, nestingProblem, parseYaml } from '../load/yaml-source.js';
import { Problem, UserError } from '../load/problems.js';

export type Values = Record<string, unknown>;

/** A value read from YAML as text for a message or a name: a scalar as it is, anything else as JSON. */
export function scalarText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(value);
    default:
      return JSON.stringify(value) ?? typeof value;
  }
}

export const isMap = (v: unknown): v is Values => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Merged values and, per top-level key, the files that set something under it (in the order given). */
export interface MergedValues {
  readonly values: Values;
  readonly files: readonly string[];
  /** Top-level key → files that contributed to it. */
  readonly origin: ReadonlyMap<string, readonly string[]>;
}

/** Sets an own property, even one named `__proto__` (which plain assignment would turn into a prototype change). */
function setOwn(o: Values, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function mergeInto(base: Values, over: Values, file: string, origin: Map<string, string[]>, top?: string): void {
  for (const [k, v] of Object.entries(over)) {
    const key = top ?? k;
    const files = origin.get(key) ?? [];
    if (!files.includes(file)) files.push(file);
    origin.set(key, files);
    if (v === null) {
      delete base[k];
      continue;
    }
    const current = Object.hasOwn(base, k) ? base[k] : undefined;
    if (isMap(v) && isMap(current)) mergeInto(current, v, file, origin, key);
    else setOwn(base, k, isMap(v) || Array.isArray(v) ? structuredClone(v) : v);
  }
}

/** Merges values documents the way Helm layers `-f` files. */
export function helmMerge(layers: readonly { file: string; values: Values }[]): MergedValues {
  const values: Values = {};
  const origin = new Map<string, string[]>();
  for (const l of layers) mergeInto(values, l.values, l.file, origin);
  return { values, files: layers.map((l) => l.file), origin };
}

function readText(file: string): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new UserError(`cannot import: ${file} does not exist or cannot be read`);
  }
  if (size > MAX_FILE_BYTES) throw new UserError(`cannot import: ${file} is larger than ${MAX_FILE_BYTES} bytes`);
  return readFileSync(file, 'utf8');
}

/** Reads one Helm values file: a YAML map (an empty file is an empty map). */
export function readValuesFile(file: string): Values {
  const { source, problems } = parseYaml(file, readText(file));
  if (problems.length > 0 || !source) throw new UserError(`cannot import ${file}:`, problems);
  if (source.data === null || source.data === undefined) return {};
  if (!isMap(source.data))
    throw new UserError(`cannot import ${file}:`, [
      new Problem(
        file,
        1,
        '',
        `expected a map of chart values, received ${Array.isArray(source.data) ? 'a list' : typeof source.data}`,
      ),
    ]);
  return source.data;
}

/** A Flux HelmRelease, as far as the import reads it. */
export interface HelmRelease {
  readonly file: string;
  /** 1-based line of the document in the file. */
  readonly line: number;
  /** The Helm release name: `spec.releaseName`, else `metadata.name`. */
  readonly release: string;
  /** The chart's name (`spec.chart.spec.chart`, or the last path segment of an OCI `chartRef`). */
  readonly chart: string;
  /** The pinned chart version, when there is one. */
  readonly version?: string;
  readonly namespace?: string;
  readonly values: Values;
  /** `spec.valuesFrom` entries, as written. */
  readonly valuesFrom: readonly Values[];
}

/** Reads every HelmRelease of a (multi-document) YAML file; other kinds are skipped, and none at all is an error. */
export function readHelmReleases(file: string): HelmRelease[] {
  const text = readText(file);
  const deep = nestingProblem(text);
  if (deep)
    throw new UserError(`cannot import ${file}:`, [new Problem(file, deep.line, '', `invalid YAML: ${deep.message}`)]);
  const docs = parseAllDocuments(text, { prettyErrors: false, strict: true, version: '1.2' });
  const out: HelmRelease[] = [];
  const problems: Problem[] = [];
  for (const doc of Array.isArray(docs) ? docs : []) {
    const line = doc.range ? text.slice(0, doc.range[0]).split('\n').length : 1;
    if (doc.errors.length > 0) {
      problems.push(new Problem(file, line, '', `invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`));
      continue;
    }
    const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (!isMap(data) || data.kind !== 'HelmRelease') continue;
    const api = scalarText(data.apiVersion ?? '');
    if (!api.startsWith('helm.toolkit.fluxcd.io/')) {
      problems.push(
        new Problem(
          file,
          line,
          'apiVersion',
          `expected a Flux HelmRelease (helm.toolkit.fluxcd.io/…), received '${api}'`,
        ),
      );
      continue;
    }
    const meta = isMap(data.metadata) ? data.metadata : {};
    const spec = isMap(data.spec) ? data.spec : {};
    const chartSpec = isMap(spec.chart) && isMap(spec.chart.spec) ? spec.chart.spec : undefined;
    const chartRef = isMap(spec.chartRef) ? spec.chartRef : undefined;
    const chart =
      typeof chartSpec?.chart === 'string'
        ? chartSpec.chart.split('/').pop()!
        : typeof chartRef?.name === 'string'
          ? chartRef.name
          : undefined;
    const release = typeof spec.releaseName === 'string' ? spec.releaseName : meta.name;
    if (typeof release !== 'string' || chart === undefined) {
      problems.push(
        new Problem(
          file,
          line,
          chart === undefined ? 'spec.chart.spec.chart' : 'metadata.name',
          'expected the release name and the chart of the HelmRelease',
        ),
      );
      continue;
    }
    if (spec.values !== undefined && spec.values !== null && !isMap(spec.values)) {
      problems.push(new Problem(file, line, 'spec.values', 'expected a map of chart values'));
      continue;
    }
    const target = typeof spec.targetNamespace === 'string' ? spec.targetNamespace : meta.namespace;
    out.push({
      file,
      line,
      release,
      chart,
      ...(chartSpec?.version !== undefined ? { version: scalarText(chartSpec.version) } : {}),
      ...(typeof target === 'string' ? { namespace: target } : {}),
      values: isMap(spec.values) ? spec.values : {},
      valuesFrom: Array.isArray(spec.valuesFrom) ? spec.valuesFrom.filter(isMap) : [],
    });
  }
  if (problems.length > 0) throw new UserError(`cannot import ${file}:`, problems);
  if (out.length === 0) throw new UserError(`cannot import ${file}: it holds no Flux HelmRelease`);
  return out;
}
