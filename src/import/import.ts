/**
 * `rucio-gitops import`: Helm values files and Flux HelmReleases of the rucio-server / rucio-daemons / rucio-webui
 * charts in, one environment file out.
 *
 * Per release: the files are merged as Helm does (`./helm-values.ts`), keys of older charts are renamed to chart 40's
 * where the meaning is clear, strings Helm needed become typed values, chart defaults that ours do not share are
 * written out, literal secrets become `secretKeyRef` placeholders (found with the credential scanner of
 * `src/secrets/scan.ts`), and every key chart 40 does not read is named and left out. Then what all
 * releases share moves to `common`. Nothing is dropped silently: each change is a note in the report.
 */
import { Document, isMap as isYamlMap, isScalar, type Node } from 'yaml';
import { commonSchema } from '../../values/environment.js';
import { scanValue } from '../secrets/scan.js';

/** The credentials of a values tree, one per path (the scanner may find several kinds at one path). */
function scanCredentials(values: unknown): { path: readonly (string | number)[]; what: string }[] {
  const seen = new Set<string>();
  return scanValue(values).filter((f) => {
    const key = f.path.join('\u0000');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
import { UsageError, UserError } from '../load/problems.js';
import {
  helmMerge,
  isMap,
  readHelmReleases,
  readValuesFile,
  scalarText,
  type MergedValues,
  type Values,
} from './helm-values.js';
import { IMPORT_KINDS, notReadMessage, type ImportKind, type Note, type Notes } from './release-kinds.js';

/** What to import. */
export interface ImportOptions {
  /** The environment's name (and file name). */
  readonly name: string;
  readonly namespace?: string;
  /** Per kind option (`server`, `daemons`, `webui`): `RELEASE=FILE[,FILE...]` specs, in the order given. */
  readonly releases: Readonly<Record<string, readonly string[]>>;
  /** HelmRelease files. */
  readonly helmReleases: readonly string[];
}

/** A Secret the operator creates before Flux applies the environment (never its value). */
export interface SecretToCreate {
  readonly name: string;
  readonly key: string;
  /** Where the value was, for the operator to copy it from (`servers.server.config.database.default in a.yaml`). */
  readonly from: string;
}

/** The notes of one release. */
export interface ReleaseReport {
  readonly kind: string;
  readonly release: string;
  readonly sources: readonly string[];
  readonly carried: readonly Note[];
  readonly notImported: readonly Note[];
  readonly chartDefaults: readonly Note[];
}

/** The import's result: the environment file's text and everything the operator must know. */
export interface ImportResult {
  readonly text: string;
  readonly releases: readonly ReleaseReport[];
  readonly secrets: readonly SecretToCreate[];
  /** Keys moved to `common` (equal in every release). */
  readonly common: readonly string[];
  /** Notes that concern no single release (valuesFrom, chart versions). */
  readonly general: readonly string[];
}

interface Input {
  readonly kind: ImportKind;
  readonly release: string;
  readonly merged: MergedValues;
  /** Text naming where the values came from. */
  readonly from: string;
  readonly chartVersion?: string;
  readonly general: string[];
}

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Parses `RELEASE=FILE[,FILE...]`. */
function parseReleaseSpec(option: string, spec: string): { release: string; files: string[] } {
  const at = spec.indexOf('=');
  const release = spec.slice(0, at);
  const files = spec
    .slice(at + 1)
    .split(',')
    .filter((f) => f !== '');
  if (at <= 0 || files.length === 0)
    throw new UsageError(`--${option} expects RELEASE=FILE[,FILE...], received '${spec}'`);
  if (!RELEASE_NAME.test(release) || release.length > 53)
    throw new UsageError(
      `--${option}: release name '${release}' must be a lowercase DNS label (a-z, 0-9, "-") of at most 53 characters`,
    );
  return { release, files };
}

function getIn(v: Values, path: readonly (string | number)[]): unknown {
  let node: unknown = v;
  for (const k of path)
    node = isMap(node) ? node[String(k)] : Array.isArray(node) ? (node as unknown[])[Number(k)] : undefined;
  return node;
}

function setIn(v: Values, path: readonly (string | number)[], value: unknown): void {
  let node: Values | unknown[] = v;
  for (const k of path.slice(0, -1)) {
    const next: unknown = (node as Record<string | number, unknown>)[k];
    if (next === null || typeof next !== 'object') (node as Record<string | number, unknown>)[k] = {};
    node = (node as Record<string | number, Values>)[k]!;
  }
  (node as Record<string | number, unknown>)[path[path.length - 1]!] = value;
}

function deleteIn(v: Values, path: readonly (string | number)[]): void {
  let node: unknown = v;
  for (const k of path.slice(0, -1)) node = (node as Record<string | number, unknown>)?.[k];
  if (node !== null && typeof node === 'object') {
    if (Array.isArray(node)) node.splice(Number(path[path.length - 1]), 1);
    else delete (node as Values)[String(path[path.length - 1])];
  }
}

/** Names the Secrets and keys of the secrets found, one Secret per environment. */
class SecretNamer {
  readonly secrets: SecretToCreate[] = [];
  private readonly values = new Map<string, unknown>();
  constructor(private readonly secretName: string) {}

  ref(key: string, release: string, value: unknown, from: string): { name: string; key: string } {
    let k = key.replace(/[^-._a-zA-Z0-9]/g, '-');
    const seen = this.values.get(k);
    if (seen !== undefined && seen !== value) k = `${release}.${k}`;
    if (!this.values.has(k)) {
      this.values.set(k, value);
      this.secrets.push({ name: this.secretName, key: k, from });
    }
    return { name: this.secretName, key: k };
  }
}

function collect(): {
  notes: Notes;
  carried: Note[];
  notImported: Note[];
  chartDefaults: Note[];
  renames: Map<string, string>;
} {
  const carried: Note[] = [];
  const notImported: Note[] = [];
  const chartDefaults: Note[] = [];
  const renames = new Map<string, string>();
  return {
    carried,
    notImported,
    chartDefaults,
    renames,
    notes: {
      renamed: (from, to) => renames.set(to, from),
      carried: (path, message) => carried.push({ path, message }),
      notImported: (path, message) => notImported.push({ path, message }),
      chartDefault: (path, message) => chartDefaults.push({ path, message }),
    },
  };
}

/** Replaces the literal secrets of a release by references, or leaves them out where no reference can go. */
function extractSecrets(input: Input, values: Values, namer: SecretNamer, notes: Notes): void {
  const envLists = input.kind.envLists(values).map((p) => p.join('.'));
  const where = `${input.kind.envKey}.${input.release}`;
  for (const f of scanCredentials(values)) {
    const path = f.path.map(String);
    const at = path.join('.');
    const value = getIn(values, path);
    const from = `${where}.${at} in ${input.from}`;
    const secretKey = input.kind.secretRef(path);
    if (secretKey !== undefined) {
      const ref = namer.ref(secretKey, input.release, value, from);
      setIn(values, path, { secretKeyRef: ref });
      notes.carried(at, `${f.what}: replaced by a reference to Secret '${ref.name}' key '${ref.key}'`);
      continue;
    }
    const list = path.slice(0, -2).join('.');
    if (path[path.length - 1] === 'value' && envLists.includes(list)) {
      const item = getIn(values, path.slice(0, -1)) as Values;
      const ref = namer.ref(String(item.name), input.release, value, from);
      setIn(values, path.slice(0, -1), { name: item.name, valueFrom: { secretKeyRef: ref } });
      notes.carried(at, `${f.what}: replaced by valueFrom Secret '${ref.name}' key '${ref.key}'`);
      continue;
    }
    if (path.length === 2 && path[0] === input.kind.optionalConfig) {
      const name = path[1]!.toUpperCase();
      const ref = namer.ref(name, input.release, value, from);
      deleteIn(values, path);
      const envs: unknown[] = Array.isArray(values.additionalEnvs) ? values.additionalEnvs : [];
      values.additionalEnvs = [...envs, { name, valueFrom: { secretKeyRef: ref } }];
      notes.carried(at, `${f.what}: written as additionalEnvs ${name} from Secret '${ref.name}' key '${ref.key}'`);
      continue;
    }
    deleteIn(values, path);
    notes.notImported(
      at,
      `holds ${f.what}, which is never written and cannot be referenced here: set it from a Secret`,
    );
  }
}

/** Removes, one at a time, every key the strict schema does not know, naming each. */
function dropUnread(kind: ImportKind, values: Values, notes: Notes): void {
  for (let round = 0; round < 50; round++) {
    const r = kind.schema.safeParse(values);
    if (r.success) return;
    const unknown = r.error.issues.filter((i) => i.code === 'unrecognized_keys');
    if (unknown.length === 0) return;
    for (const issue of unknown) {
      for (const key of (issue as { keys: string[] }).keys) {
        const path = [...issue.path.map(String), key];
        notes.notImported(path.join('.'), notReadMessage(kind, path));
        deleteIn(values, path);
        // A map left empty by the removal says nothing: remove it too.
        for (let n = path.length - 1; n > 0; n--) {
          const parent = getIn(values, path.slice(0, n));
          if (isMap(parent) && Object.keys(parent).length === 0) deleteIn(values, path.slice(0, n));
          else break;
        }
      }
    }
  }
}

function convert(
  input: Input,
  namer: SecretNamer,
): { values: Values; report: ReleaseReport; renames: ReadonlyMap<string, string> } {
  const { notes, carried, notImported, chartDefaults, renames } = collect();
  const values = structuredClone(input.merged.values);
  input.kind.upgrade(values, notes);
  input.kind.typed(values, notes);
  extractSecrets(input, values, namer, notes);
  const chart40 = input.chartVersion === undefined || /^40\./.test(input.chartVersion);
  for (const d of input.kind.chartDefaults) {
    if (getIn(values, d.path) !== undefined) continue;
    if (!chart40 && d.path.join('.') === 'image.tag') {
      input.general.push(
        `${input.kind.envKey}.${input.release}: chart ${input.chartVersion} picks its own default image tag, which is not known here: set image.tag to the Rucio release the pods run (the environment uses values/images.ts until then)`,
      );
      continue;
    }
    setIn(values, d.path, structuredClone(d.value));
    notes.chartDefault(d.path.join('.'), d.why);
  }
  dropUnread(input.kind, values, notes);
  return {
    values,
    renames,
    report: {
      kind: input.kind.option,
      release: input.release,
      sources: [input.from],
      carried,
      notImported,
      chartDefaults,
    },
  };
}

const deepEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Moves what every release has, equal, into `common`: shared keys whole, config option by option, the image tag. A
 * key moves only when every release that `common` would reach with it (per kind: `ImportKind.fromCommon`) holds it,
 * equal, and there are at least two of them.
 */
function extractCommon(releases: readonly { kind: ImportKind; values: Values }[]): { common: Values; moved: string[] } {
  const common: Values = {};
  const moved: string[] = [];
  const reached = (path: string) =>
    releases.filter((r) => r.kind.fromCommon === 'all' || r.kind.fromCommon.includes(path)).map((r) => r.values);
  const shared = Object.keys(commonSchema.shape).filter((k) => k !== 'config' && k !== 'image');
  for (const key of shared) {
    const targets = reached(key);
    const first = targets[0]?.[key];
    if (targets.length < 2 || first === undefined || !targets.every((r) => deepEqual(r[key], first))) continue;
    common[key] = first;
    for (const r of targets) delete r[key];
    moved.push(key);
  }
  for (const key of ['tag', 'pullPolicy']) {
    const targets = reached(`image.${key}`);
    const first = targets.length > 0 ? getIn(targets[0]!, ['image', key]) : undefined;
    if (targets.length < 2 || first === undefined || !targets.every((r) => deepEqual(getIn(r, ['image', key]), first)))
      continue;
    setIn(common, ['image', key], first);
    for (const r of targets) {
      deleteIn(r, ['image', key]);
      if (isMap(r.image) && Object.keys(r.image).length === 0) delete r.image;
    }
    moved.push(`image.${key}`);
  }
  const targets = reached('config');
  const config0 = targets[0]?.config;
  if (targets.length >= 2 && isMap(config0)) {
    for (const [section, options] of Object.entries(config0)) {
      if (!isMap(options)) continue;
      for (const [option, value] of Object.entries(options)) {
        if (!targets.every((r) => deepEqual(getIn(r, ['config', section, option]), value))) continue;
        setIn(common, ['config', section, option], value);
        moved.push(`config.${section}.${option}`);
      }
    }
    for (const r of targets) {
      const config = r.config as Values;
      for (const [section, options] of Object.entries(isMap(common.config) ? common.config : {}))
        for (const option of Object.keys(options as Values)) delete (config[section] as Values)[option];
      for (const s of Object.keys(config)) if (Object.keys(config[s] as Values).length === 0) delete config[s];
      if (Object.keys(config).length === 0) delete r.config;
    }
  }
  return { common, moved };
}

function keyNode(map: unknown, key: string): Node | undefined {
  if (!isYamlMap(map)) return undefined;
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  return pair?.key as Node | undefined;
}

/** Reads the inputs, converts every release, and builds the environment file's text. */
export function importEnvironment(options: ImportOptions): ImportResult {
  const general: string[] = [];
  const inputs: Input[] = [];
  const kindOf = (option: string) => IMPORT_KINDS.find((k) => k.option === option)!;
  for (const [option, specs] of Object.entries(options.releases)) {
    for (const spec of specs) {
      const { release, files } = parseReleaseSpec(option, spec);
      const layers = files.map((file) => ({ file, values: readValuesFile(file) }));
      inputs.push({ kind: kindOf(option), release, merged: helmMerge(layers), from: files.join(', '), general });
    }
  }
  let namespace = options.namespace;
  for (const file of options.helmReleases) {
    for (const hr of readHelmReleases(file)) {
      const kind = IMPORT_KINDS.find((k) => k.chart === hr.chart);
      if (!kind)
        throw new UserError(
          `cannot import ${hr.file}:${hr.line}: HelmRelease '${hr.release}' installs chart '${hr.chart}'; import reads ${IMPORT_KINDS.map((k) => k.chart).join(', ')}`,
        );
      if (!RELEASE_NAME.test(hr.release))
        throw new UserError(`cannot import ${hr.file}:${hr.line}: release name '${hr.release}' is not a DNS label`);
      const from = `HelmRelease ${hr.release} (${hr.file}:${hr.line})`;
      const values = structuredClone(hr.values);
      for (const vf of hr.valuesFrom) {
        const target = typeof vf.targetPath === 'string' ? vf.targetPath.split('.') : undefined;
        const what = `${scalarText(vf.kind)}/${scalarText(vf.name)}${vf.valuesKey ? ` key ${scalarText(vf.valuesKey)}` : ''}`;
        if (vf.kind === 'Secret' && target && kind.secretRef(target) !== undefined) {
          // A Secret value placed where the chart takes a setting (config.<section>.<option>): a secretKeyRef.
          setIn(values, target, {
            secretKeyRef: { name: scalarText(vf.name), key: scalarText(vf.valuesKey ?? 'values.yaml') },
          });
          general.push(
            `${kind.envKey}.${hr.release}: valuesFrom ${what} → ${scalarText(vf.targetPath)} carried over as a secretKeyRef to the same Secret`,
          );
        } else {
          general.push(
            `${kind.envKey}.${hr.release}: valuesFrom ${what}${vf.targetPath ? ` → ${scalarText(vf.targetPath)}` : ''} not imported (${from}): pass the values it holds as a file with --${kind.option} ${hr.release}=FILE,…`,
          );
        }
      }
      namespace ??= hr.namespace;
      inputs.push({
        kind,
        release: hr.release,
        merged: helmMerge([{ file: from, values }]),
        from,
        ...(hr.version !== undefined ? { chartVersion: hr.version } : {}),
        general,
      });
      if (hr.version !== undefined && !/^40\./.test(hr.version))
        general.push(
          `${kind.envKey}.${hr.release}: ${from} pins chart ${hr.version}; the values were read as chart 40 values, with older keys renamed as listed`,
        );
    }
  }
  if (inputs.length === 0)
    throw new UsageError(
      `nothing to import: give ${IMPORT_KINDS.map((k) => `--${k.option}`).join(', ')} or --helmrelease`,
    );
  const names = new Map<string, string>();
  for (const i of inputs) {
    const other = names.get(i.release);
    if (other !== undefined)
      throw new UserError(`cannot import: release '${i.release}' is given twice (${other} and ${i.from})`);
    names.set(i.release, i.from);
  }

  const namer = new SecretNamer(`${options.name}-rucio-secrets`);
  const converted = inputs.map((i) => ({ input: i, ...convert(i, namer) }));
  const { common, moved } = extractCommon(converted.map((c) => ({ kind: c.input.kind, values: c.values })));

  const env: Values = {
    name: options.name,
    namespace: namespace ?? 'rucio',
    ...(Object.keys(common).length > 0 ? { common } : {}),
  };
  // The release blocks in the order of the kinds (servers, daemons, webui), each in the order given.
  for (const kind of IMPORT_KINDS) {
    const blocks = converted.filter((c) => c.input.kind === kind);
    if (blocks.length > 0) env[kind.envKey] = Object.fromEntries(blocks.map((c) => [c.input.release, c.values]));
  }

  const doc = new Document(env);
  const sources = [...new Set(inputs.flatMap((i) => i.merged.files))];
  doc.commentBefore = [
    ' yaml-language-server: $schema=../values/environment.schema.json',
    '',
    ` Imported by \`rucio-gitops import\` from ${sources.join(', ')}.`,
    ' docs/upstream-differences.md lists where the output differs from what the charts rendered from these values.',
  ].join('\n');
  if (moved.length > 0) {
    const k = keyNode(doc.contents, 'common');
    if (k) k.commentBefore = ' Equal in every release below, so written once.';
  }
  for (const c of converted) {
    const k = keyNode(doc.getIn([c.input.kind.envKey]), c.input.release);
    if (!k) continue;
    const files = c.input.merged.files;
    k.commentBefore = ` ${c.input.kind.chart} values from ${c.input.from}${files.length > 1 ? ' (later files win)' : ''}`;
    if (files.length < 2) continue;
    const map = doc.getIn([c.input.kind.envKey, c.input.release]);
    for (const [key, from] of c.input.merged.origin) {
      const node = keyNode(map, key);
      if (node) node.commentBefore = ` from ${from.join(', ')}`;
    }
    for (const [to, fromKey] of c.renames) {
      const node = keyNode(map, to);
      const files = c.input.merged.origin.get(fromKey);
      if (node && files) node.commentBefore = ` from ${files.join(', ')} (as ${fromKey})`;
    }
  }
  return {
    text: doc.toString({ lineWidth: 0 }),
    releases: converted.map((c) => c.report),
    secrets: namer.secrets,
    common: moved,
    general,
  };
}

/** The report printed after the import: what changed, what was left out, the Secrets to create. */
export function formatReport(result: ImportResult, namespace: string): string {
  const lines: string[] = [];
  const section = (title: string, items: string[]) => {
    if (items.length === 0) return;
    lines.push(`${title} (${items.length}):`, ...items.map((i) => `  ${i}`), '');
  };
  const per = (pick: (r: ReleaseReport) => readonly Note[]) =>
    result.releases.flatMap((r) =>
      pick(r).map(
        (n) =>
          `${IMPORT_KINDS.find((k) => k.option === r.kind)?.envKey ?? r.kind}.${r.release}.${n.path}: ${n.message}`,
      ),
    );
  section(
    'carried over, renamed or converted',
    per((r) => r.carried),
  );
  section(
    'chart defaults written out (your files relied on them, and ours differ)',
    per((r) => r.chartDefaults),
  );
  section('not imported', [...per((r) => r.notImported), ...result.general.filter((g) => g.includes('not imported'))]);
  section(
    'notes',
    result.general.filter((g) => !g.includes('not imported')),
  );
  if (result.common.length > 0) lines.push(`common: ${result.common.join(', ')}`, '');
  if (result.secrets.length > 0) {
    const byName = new Map<string, SecretToCreate[]>();
    for (const s of result.secrets) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    lines.push('Secrets to create before Flux applies the environment (no value is written anywhere):');
    for (const [name, keys] of byName) {
      lines.push(`  Secret ${name} in namespace ${namespace}:`);
      for (const k of keys) lines.push(`    key ${k.key}: the value of ${k.from}`);
      lines.push(
        `    kubectl -n ${namespace} create secret generic ${name} ${keys.map((k) => `--from-literal=${k.key}=…`).join(' ')}`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
