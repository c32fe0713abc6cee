/**
 * Loads environment files: YAML with line numbers, `extends` layers, the `common` layer merged under every release,
 * then the strict schema and the plaintext-secret check. Every problem of every selected environment is reported at
 * once, each with its file, line and key path.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { environmentSchema, commonSchema, type Environment } from '../../values/environment.js';
import { autoscaledCountIssues, withAutoscaledCounts } from '../../values/autoscaling.js';
import { WEBUI_COMMON_IMAGE_KEYS, WEBUI_COMMON_KEYS } from '../../values/rucio-webui.js';
import { printablePath, scanText, scanValue } from '../secrets/scan.js';
import { Problem, UserError, sortProblems } from './problems.js';
import { cachedSource, rememberSource } from './parse-cache.js';
import { MAX_FILE_BYTES, parseYaml, pathKey, type Path, type YamlSource } from './yaml-source.js';
import { issuesToProblems, suggestKey, type PathProblem } from './zod-issues.js';

/** An environment ready for the constructs, with the files it came from. */
export interface LoadedEnvironment {
  readonly name: string;
  /** The environment file (the leaf; `extends` layers are in `sources`). */
  readonly file: string;
  readonly sources: readonly YamlSource[];
  readonly values: Environment;
  /** Where a key path of the merged environment was written. */
  locate(path: Path): Location;
}

/** Where a key was written. */
export interface Location {
  readonly file: string;
  readonly line: number | undefined;
  /** The path as written in that file (a key merged in from `common` shows as `common.…`). */
  readonly path: Path;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Deep merge of layers: maps merge key by key, lists and scalars of the later layer replace the earlier one.
 */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v) : v;
  return out;
}

function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || rel === '' ? file : rel;
}

/** The environment names in a folder: every `*.yaml` whose name does not start with `_` (those are shared layers). */
export function listEnvironments(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    throw new UserError(`no environments folder at ${display(dir)}: pass --environments DIR`);
  }
  return entries
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('_') && !f.startsWith('.'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/**
 * Reads a file of at most MAX_FILE_BYTES: a regular file only (a directory or a FIFO named `*.yaml` is refused, not
 * read or waited on), and never more than the limit, even if the file grows while it is read.
 */
function readBounded(file: string): { text: string } | { problem: string } {
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? 'error'})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      return {
        problem: `is not a regular file (${stat.isDirectory() ? 'a directory' : 'a special file'}): an environment is one YAML file`,
      };
    if (stat.size > MAX_FILE_BYTES)
      return {
        problem: `file is ${stat.size} bytes, more than the ${MAX_FILE_BYTES} an environment file may have: refused unread`,
      };
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_FILE_BYTES) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) {
        if (length > MAX_FILE_BYTES)
          return { problem: `file is more than the ${MAX_FILE_BYTES} bytes an environment file may have: refused` };
        break;
      }
    }
    return { text: buffer.toString('utf8', 0, length) };
  } catch (e) {
    return { problem: `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    closeSync(fd);
  }
}

/** Files parsed during one load, so a shared layer is read and parsed once, not once per environment that extends it. */
type SourceCache = Map<string, { readonly source: YamlSource | undefined; readonly problems: readonly Problem[] }>;

function readSource(file: string, problems: Problem[], cache?: SourceCache): YamlSource | undefined {
  const cached = cache?.get(file);
  if (cached) {
    problems.push(...cached.problems);
    return cached.source;
  }
  const found: Problem[] = [];
  const source = parseSource(file, found);
  cache?.set(file, { source, problems: found });
  problems.push(...found);
  return source;
}

/** Layers whose own scans found nothing (in this process). */
const scannedClean = new WeakSet<YamlSource>();

function parseSource(file: string, problems: Problem[]): YamlSource | undefined {
  const read = readBounded(file);
  if ('problem' in read) {
    problems.push(new Problem(display(file), undefined, '', read.problem));
    return undefined;
  }
  const text = read.text.replace(/^\uFEFF/, '');
  if (text.split(/\r?\n/).every((l) => /^\s*(#.*)?$/.test(l) || /^(---|\.\.\.)\s*(#.*)?$/.test(l))) {
    const stem = basename(file).replace(/\.yaml$/, '');
    problems.push(
      new Problem(
        display(file),
        undefined,
        '',
        `empty file (${text.trim() === '' ? 'no text at all' : 'only comments and blank lines'}): ` +
          (stem.startsWith('_')
            ? 'a layer holds the keys the environments extending it share; write at least one, or delete the file'
            : `an environment needs at least its name and namespace, e.g. 'name: ${stem}' and 'namespace: rucio' (or 'extends:' a layer that sets the namespace)`),
      ),
    );
    return undefined;
  }
  // A text parsed and found clean before (by this build) is taken from the parse cache, as a layer already scanned.
  const hit = cachedSource(text);
  if (hit !== undefined && isObject(hit.data)) {
    const cached: YamlSource = { file: display(file), data: hit.data, lines: hit.lines, text };
    scannedClean.add(cached);
    return cached;
  }
  const { source, problems: found } = parseYaml(display(file), text);
  problems.push(...found);
  if (source && !isObject(source.data)) {
    problems.push(
      new Problem(
        display(file),
        1,
        '',
        `expected a map of keys (name, namespace, servers, daemons, …), received ${Array.isArray(source.data) ? 'a list' : typeof source.data}`,
      ),
    );
    return undefined;
  }
  return found.length === 0 ? source : undefined;
}

/** Reads the file of one environment and the layers it extends, base first. */
function readLayers(dir: string, name: string, problems: Problem[], cache?: SourceCache): YamlSource[] | undefined {
  const layers: YamlSource[] = [];
  const seen = new Set<string>();
  let current = name;
  let from: { source: YamlSource } | undefined;
  for (;;) {
    const file = join(dir, `${current}.yaml`);
    if (seen.has(current)) {
      problems.push(
        new Problem(
          from!.source.file,
          from!.source.lines.get(pathKey(['extends'])),
          'extends',
          `'${current}' is already in this chain of layers: extends must not loop`,
        ),
      );
      return undefined;
    }
    seen.add(current);
    if (from !== undefined) {
      try {
        statSync(file);
      } catch {
        const known = readdirSync(dir)
          .filter((f) => f.endsWith('.yaml'))
          .map((f) => f.slice(0, -5));
        const near = suggestKey(current, known);
        problems.push(
          new Problem(
            from.source.file,
            from.source.lines.get(pathKey(['extends'])),
            'extends',
            `no layer '${current}' (${display(file)} does not exist)${near ? `: did you mean '${near}'?` : `; layers are ${known.join(', ')}`}`,
          ),
        );
        return undefined;
      }
    }
    const source = readSource(file, problems, cache);
    if (!source) return undefined;
    layers.unshift(source);
    const ext = (source.data as Record<string, unknown>).extends;
    if (ext === undefined) return layers;
    if (typeof ext !== 'string' || !/^[-_a-zA-Z0-9]+$/.test(ext)) {
      problems.push(
        new Problem(
          source.file,
          source.lines.get(pathKey(['extends'])),
          'extends',
          `expected the name of a file in ${display(dir)} without .yaml, received ${JSON.stringify(ext)}`,
        ),
      );
      return undefined;
    }
    from = { source };
    current = ext;
  }
}

function locator(layers: readonly YamlSource[]): (path: Path) => Location {
  const find = (path: Path): Location | undefined => {
    const key = pathKey(path);
    for (let i = layers.length - 1; i >= 0; i--) {
      const line = layers[i]!.lines.get(key);
      if (line !== undefined) return { file: layers[i]!.file, line, path };
    }
    return undefined;
  };
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const prefix = path.slice(0, n);
      const direct = find(prefix);
      if (direct) return n === path.length ? direct : { ...direct, path };
      if ((path[0] === 'servers' || path[0] === 'daemons' || path[0] === 'webui') && n >= 3) {
        const viaCommon = find(['common', ...prefix.slice(2)]);
        if (viaCommon) return { ...viaCommon, path: ['common', ...path.slice(2)] };
      }
    }
    return { file: layers[layers.length - 1]!.file, line: undefined, path };
  };
}

function toProblems(found: readonly PathProblem[], locate: (p: Path) => Location): Problem[] {
  // A problem written in `common` shows once per release it was merged into: report it once, saying where it applies
  // only when it does not apply to `common` itself (a key valid for daemons but not for servers, say).
  const groups = new Map<string, { loc: Location; message: string; direct: boolean; releases: string[] }>();
  for (const { path, message } of found) {
    const loc = locate(path);
    const viaCommon = loc.path[0] === 'common' && path[0] !== 'common';
    const key = `${loc.file}\u0000${loc.line}\u0000${loc.path.join('.')}\u0000${message}`;
    const group = groups.get(key) ?? { loc, message, direct: false, releases: [] };
    if (viaCommon) group.releases.push(path.slice(0, 2).join('.'));
    else group.direct = true;
    groups.set(key, group);
  }
  return [...groups.values()].map(
    ({ loc, message, direct, releases }) =>
      new Problem(
        loc.file,
        loc.line,
        loc.path.join('.'),
        direct ? message : `${message} (merged into ${releases.join(', ')})`,
      ),
  );
}

/**
 * Merges `common` under every server and daemons release, and the keys of it that apply to the WebUI
 * (`WEBUI_COMMON_KEYS`, and `WEBUI_COMMON_IMAGE_KEYS` of `image`) under every WebUI release.
 */
function applyCommon(merged: Record<string, unknown>): Record<string, unknown> {
  const common = isObject(merged.common) ? merged.common : {};
  const out = { ...merged };
  for (const kind of ['servers', 'daemons'] as const) {
    const releases = merged[kind];
    if (!isObject(releases)) continue;
    out[kind] = Object.fromEntries(
      Object.entries(releases).map(([name, values]) => [name, deepMerge(common, values ?? {})]),
    );
  }
  if (isObject(merged.webui)) {
    const forWebui: Record<string, unknown> = {};
    for (const key of WEBUI_COMMON_KEYS) if (key in common) forWebui[key] = common[key];
    const image = isObject(common.image) ? common.image : {};
    const webuiImage = Object.fromEntries(
      WEBUI_COMMON_IMAGE_KEYS.filter((k) => image[k] !== undefined).map((k) => [k, image[k]]),
    );
    if (Object.keys(webuiImage).length > 0) forWebui.image = webuiImage;
    out.webui = Object.fromEntries(
      Object.entries(merged.webui).map(([name, values]) => [name, deepMerge(forWebui, values ?? {})]),
    );
  }
  return out;
}

function valueAt(root: unknown, path: Path): unknown {
  let cur = root;
  for (const step of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[step];
  }
  return cur;
}

/**
 * Problems with every key or value that holds a credential replaced, wherever another check would echo it (an
 * unknown key's name, a value received): a credential is never printed.
 */
function redact(problems: readonly Problem[], hidden: ReadonlySet<string>): Problem[] {
  if (hidden.size === 0) return [...problems];
  const clean = (text: string) => {
    let out = text;
    for (const h of hidden) if (out.includes(h)) out = out.split(h).join('<hidden: holds a credential>');
    return out;
  };
  return problems.map((p) => new Problem(p.file, p.line, clean(p.path), clean(p.message)));
}

/** Maps whose values may hold line breaks and tabs: annotations, which only ever reach YAML (never a line-oriented file). */
const MULTILINE_PARENTS = new Set(['podAnnotations', 'deploymentAnnotations', 'annotations']);

/** The first control character of a string (a line break, a NUL, …) and where it is; undefined when there is none. */
function controlCharacter(text: string, multiline = false): { index: number; code: number } | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 9 || (multiline && c === 10)) continue;
    if (c < 0x20 || c === 0x7f || c === 0x85 || c === 0x2028 || c === 0x2029) return { index: i, code: c };
  }
  return undefined;
}

function describeControl({ index, code }: { index: number; code: number }, text: string): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name =
    code === 10
      ? 'a line break'
      : code === 13
        ? 'a carriage return'
        : code === 0x2028 || code === 0x2029 || code === 0x85
          ? 'a Unicode line separator'
          : 'a control character';
  const blockScalar =
    code === 10 && index === text.length - 1
      ? " (a block scalar '|' or '>' keeps a final line break: write '|-' or '>-')"
      : '';
  return `${name} (${hex}) at character ${index + 1}${blockScalar}`;
}

/**
 * Line breaks and control characters in one layer, as written: values reach line-oriented files (haproxy.cfg,
 * filebeat.yml, crontabs, rucio.cfg through conf.d, shell-evaluated arguments), where a line break starts a new
 * directive. Every key and every string, whatever the schema says; annotation values may span lines. The value is
 * never echoed (it may be a secret).
 */
function controlCharacterProblems(layer: YamlSource): Problem[] {
  const out: Problem[] = [];
  const lineOf = (path: Path): number | undefined => {
    for (let n = path.length; n > 0; n--) {
      const line = layer.lines.get(pathKey(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  };
  const stack: { value: unknown; path: Path }[] = [{ value: layer.data, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      const parent = String(path[path.length - 2] ?? '');
      const found = controlCharacter(value, MULTILINE_PARENTS.has(parent));
      if (found)
        out.push(
          new Problem(
            layer.file,
            lineOf(path),
            path.join('.'),
            `contains ${describeControl(found, value)}: values are written into line-oriented files (haproxy.cfg, filebeat.yml, crontabs, rucio.cfg, shell arguments), where it would start a new line or directive; write it on one line without control characters`,
          ),
        );
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push({ value: v, path: [...path, i] }));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const found = controlCharacter(k);
        if (found)
          out.push(
            new Problem(
              layer.file,
              lineOf([...path, k]),
              [...path, '<key>'].join('.'),
              `a key contains ${describeControl(found, k)}: keys are names, one line without control characters`,
            ),
          );
        stack.push({ value: v, path: [...path, k] });
      }
    }
  }
  return out;
}

/** How to reference a Secret instead of the literal at `path`. */
function secretHint(path: Path): string {
  const last = String(path[path.length - 1] ?? '');
  const config = path.indexOf('config');
  if (config >= 0 && path.length === config + 3)
    return `reference an existing Secret instead: '${last}: {secretKeyRef: {name: <secret>, key: <key>}}'`;
  if (path.includes('additionalEnvs') || path.includes('optional_config') || path.includes('optionalConfig'))
    return "use an env var with 'valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}'";
  return 'reference a Secret instead (a secretKeyRef in config, valueFrom.secretKeyRef for an env var, a mounted Secret)';
}

/**
 * Credentials in one layer, as written (a value a later layer overrides still reaches git): every key and string of
 * the parsed file (aliases expanded), then the raw text (comments, and whatever the parse would hide). Each finding
 * names the file, the line and the key, never the credential.
 */
function credentialProblems(layer: YamlSource, hidden: Set<string>): Problem[] {
  const out: Problem[] = [];
  const taken = new Set<number | undefined>();
  const lineOf = (path: Path): number | undefined => {
    // A key inside an alias has no line of its own: the nearest written ancestor (the alias) has.
    for (let n = path.length; n > 0; n--) {
      const line = layer.lines.get(pathKey(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  };
  const add = (line: number | undefined, key: string, what: string, hint: string) => {
    out.push(new Problem(layer.file, line, key, `holds ${what} in plain text (secrets must not reach git); ${hint}`));
  };
  const seen = new Set<string>();
  for (const f of scanValue(layer.data)) {
    const held = f.in === 'key' ? String(f.path[f.path.length - 1]) : valueAt(layer.data, f.path);
    if (typeof held === 'string' && held.length >= 4) hidden.add(held);
    const line = lineOf(f.path);
    const key = printablePath(f);
    if (seen.has(`${line}\u0000${key}\u0000${f.what}`)) continue;
    seen.add(`${line}\u0000${key}\u0000${f.what}`);
    taken.add(line);
    add(line, key, f.what, f.in === 'key' ? 'a key is written to git as it is: remove it' : secretHint(f.path));
  }
  if (layer.text !== undefined) {
    const byLine = new Map<number, string>();
    for (const [k, line] of layer.lines) if (!byLine.has(line)) byLine.set(line, k);
    const lines = layer.text.split('\n');
    for (const f of scanText(layer.text, { yaml: true })) {
      if (taken.has(f.line)) continue;
      taken.add(f.line);
      const comment = (lines[f.line - 1] ?? '').trimStart().startsWith('#');
      let key = '';
      if (!comment) for (let l = f.line; l > 0 && key === ''; l--) key = byLine.get(l)?.split('\u0000').join('.') ?? '';
      add(
        f.line,
        key,
        comment ? `${f.what} (in a comment)` : f.what,
        comment ? 'remove it: comments reach git too' : secretHint(key.split('.')),
      );
    }
  }
  return out;
}

/** Loads one environment, or returns its problems. */
export function loadEnvironment(
  dir: string,
  name: string,
  cache?: SourceCache,
): { env?: LoadedEnvironment; problems: Problem[] } {
  const problems: Problem[] = [];
  const layers = readLayers(dir, name, problems, cache);
  if (!layers) return { problems };
  const leaf = layers[layers.length - 1]!;
  const merged = layers.reduce<unknown>((acc, l) => deepMerge(acc, l.data), {}) as Record<string, unknown>;
  merged.extends = (leaf.data as Record<string, unknown>).extends;
  const locate = locator(layers);
  const found: PathProblem[] = [];
  if (merged.name !== undefined && merged.name !== name) {
    found.push({
      path: ['name'],
      message: `expected '${name}', the file's name, received ${JSON.stringify(merged.name)}: name the file after the environment`,
    });
  }
  // jitless: zod would compile a fast parser per object schema (new Function) on its first parse; a synth parses a
  // few environments, so compiling costs more than it saves (bench/RESULTS.md). The result is the same either way.
  const common = commonSchema.safeParse(merged.common ?? {}, { reportInput: true, jitless: true });
  if (!common.success) found.push(...issuesToProblems(environmentSchema, merged, common.error.issues, ['common']));
  const resolved = applyCommon(merged);
  const parsed = environmentSchema.safeParse(resolved, { reportInput: true, jitless: true });
  if (!parsed.success) found.push(...issuesToProblems(environmentSchema, resolved, parsed.error.issues));
  found.push(...autoscaledCountIssues(resolved));
  const placed = toProblems(found, locate);
  const hidden = new Set<string>();
  // A layer's own scans (control characters, credentials): not again for a layer found clean before (from the parse
  // cache, or by another environment extending it in this load); one found clean now is remembered.
  const scanned = layers.map((layer) => {
    if (scannedClean.has(layer)) return { controls: [], credentials: [] };
    const found = { controls: controlCharacterProblems(layer), credentials: credentialProblems(layer, hidden) };
    if (found.controls.length === 0 && found.credentials.length === 0) {
      scannedClean.add(layer);
      if (layer.text !== undefined) rememberSource(layer.text, layer);
    }
    return found;
  });
  const controls = scanned.flatMap((s) => s.controls);
  // A value with a line break is reported once, as that: the schema's own complaint about it would only repeat it.
  const controlled = new Set(controls.map((p) => `${p.file}\u0000${p.line}\u0000${p.path}`));
  placed.splice(0, placed.length, ...placed.filter((p) => !controlled.has(`${p.file}\u0000${p.line}\u0000${p.path}`)));
  for (const s of scanned) placed.push(...s.credentials);
  placed.push(...controls);
  const unique = [...new Map(redact(placed, hidden).map((p) => [p.format(), p])).values()];
  problems.push(...unique);
  if (problems.length > 0 || !parsed.success) return { problems };
  return {
    env: { name, file: leaf.file, sources: layers, values: withAutoscaledCounts(parsed.data), locate },
    problems,
  };
}

/**
 * Loads the named environments (all of them by default). Throws one UserError listing every problem of every
 * environment.
 */
export function loadEnvironments(dir: string, names?: readonly string[]): LoadedEnvironment[] {
  const available = listEnvironments(dir);
  const wanted = names && names.length > 0 ? [...new Set(names)] : available;
  const unknown = wanted.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    const hint = unknown.map((n) => {
      const near = suggestKey(n, available);
      return near ? `'${n}' (did you mean '${near}'?)` : `'${n}'`;
    });
    throw new UserError(
      `no environment ${hint.join(', ')} in ${display(dir)}; environments are: ${available.join(', ') || '(none)'}`,
    );
  }
  if (wanted.length === 0) throw new UserError(`no environment files (*.yaml) in ${display(dir)}`);
  const loaded: LoadedEnvironment[] = [];
  const problems: Problem[] = [];
  const cache: SourceCache = new Map();
  for (const name of wanted) {
    const { env, problems: found } = loadEnvironment(dir, name, cache);
    if (env) loaded.push(env);
    problems.push(...found);
  }
  // A problem in a shared layer shows once, not once per environment that extends it.
  const unique = [...new Map(problems.map((p) => [p.format(), p])).values()];
  problems.length = 0;
  problems.push(...unique);
  if (problems.length > 0) {
    // A problem in a shared layer shows once, not once per environment that extends it.
    const unique = [...new Map(problems.map((p) => [p.format(), p])).values()];
    problems.splice(0, problems.length, ...unique);
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    throw new UserError(
      `invalid environment${wanted.length === 1 ? ` '${wanted[0]}'` : 's'} (${count}):`,
      sortProblems(problems),
    );
  }
  return loaded;
}
