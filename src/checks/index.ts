/**
 * The checks `synth` and `validate` run on the rendered objects: schema validation (with unknown fields), the policy
 * pack with the environments' waivers, and the secret checks (no Secret with data, no credential in any string).
 *
 * A waiver that no longer matches a failure is an error: left in place it would silently pre-approve the same failure
 * when it comes back, so it is removed in the change that fixed the object. The one exception is a waiver written in a
 * shared layer (`_rucio.yaml`) during a run restricted with `--env`: the environments not loaded may still need it,
 * so it is only a warning there.
 */
import type { LoadedEnvironment } from '../load/environments.js';
import { printablePath, type Finding } from '../secrets/scan.js';
import { Problem, UserError, sortProblems } from '../load/problems.js';
import { provideText, textMaker, type KubeObject, type RenderedFile } from '../synth/files.js';
import { objectText } from '../synth/object-text.js';
import type { Waiver } from '../../values/policy.js';
import { DECLARATION_PREFIX, REASON_SUFFIX } from '../../constructs/shared/declarations.js';
import { kubernetesIssues } from './kubernetes.js';
import { policyViolations, type PlacedObject } from './policy.js';
import { fieldPath, validateObject } from './schema.js';
import { MAX_OBJECT_BYTES, type FileScan } from './file-scan.js';
import { localQueue, type ScanQueue } from './scan-pool.js';
import type { FileTarget, WriteOutcome } from '../synth/staged-file.js';

export { MAX_OBJECT_BYTES, objectBytes } from './file-scan.js';

/** What the checks found, for the command to print. */
export interface CheckReport {
  /** Errors: the command fails when there is one. */
  readonly problems: readonly Problem[];
  /** Lines listing each waiver applied, with what it covers. */
  readonly waived: readonly string[];
  /** Lines listing what components declared (hostPath volumes, containers without a health signal). */
  readonly declared: readonly string[];
  readonly warnings: readonly string[];
}

export interface CheckOptions {
  /** The output folder as the user knows it (`dist`), to name files. */
  readonly out: string;
  /** The run covers only some environments (`--env`). */
  readonly partial: boolean;
  /**
   * Receives each file once its own checks ran (the whole-run ones, stale waivers, come at the end), so a synth can
   * write it and drop its text instead of holding every file's text until all are checked. Every file is passed once.
   */
  readonly checked?: (file: RenderedFile, written?: WriteOutcome) => void;
  /**
   * Where a worker may write an object's file itself instead of passing its text back (`TreeWriter.delegate`); such a
   * file reaches `checked` with what became of the write and without its text.
   */
  readonly delegate?: (path: string) => FileTarget | undefined;
  /**
   * Where the per-file scans (credentials in the object and its text, the object's size) run: a worker thread's
   * queue (`startScanQueue`), or this thread (the default). The report is the same either way.
   */
  readonly scans?: ScanQueue;
}

/** The environment a file belongs to: `apps/<env>/…`, `infrastructure/<env>/…`, `clusters/<env>/…`. */
function envOf(path: string): string | undefined {
  return path.split('/')[1];
}

function globRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

interface PlacedWaiver {
  readonly waiver: Waiver;
  readonly file: string;
  readonly line: number | undefined;
  readonly keyPath: string;
  readonly shared: boolean;
  readonly match: RegExp;
}

function objectId(o: KubeObject): string {
  return `${o.kind}/${o.metadata?.name}`;
}

/** A Secret carrying data: its problems (then its values are not scanned: the Secret itself is the problem). */
function secretDataProblems(o: KubeObject, at: (field: string, message: string) => Problem): Problem[] {
  const out: Problem[] = [];
  if (o.kind === 'Secret' && o.apiVersion === 'v1') {
    for (const key of ['data', 'stringData'] as const) {
      const value = o[key];
      if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
        out.push(
          at(
            key,
            `[secret-data] a Secret with ${key} would put its values into git: use a SealedSecret or an ExternalSecret, or reference a Secret created outside git`,
          ),
        );
      }
    }
  }
  return out;
}

/**
 * Objects' secret rules and size from a file's scan: no Secret carrying data, no credential in any key or string of
 * the object, then (when the object had none) in a text given with it: what the structural scan cannot see (a comment);
 * at most 1 MiB as JSON.
 */
function scanProblems(
  scan: FileScan,
  secretData: readonly Problem[],
  at: (field: string, message: string) => Problem,
  file: string,
): Problem[] {
  const out: Problem[] = [...secretData];
  if (out.length === 0) {
    for (const f of scan.values)
      out.push(
        at(
          f.in === 'key' ? printablePath(f) : fieldPath(f.path),
          `[credentials] holds ${f.what} in plain text: take it from a Secret (secretKeyRef, valueFrom.secretKeyRef or a mounted Secret), never a literal`,
        ),
      );
    if (out.length === 0) out.push(...textCredentials(scan.text, file));
  }
  if (scan.bytes !== undefined && scan.bytes > MAX_OBJECT_BYTES)
    out.push(
      at(
        '',
        `[object-size] is ${scan.bytes.toLocaleString('en-US')} bytes as JSON, over the 1 MiB (1,048,576 bytes) Kubernetes accepts for an object: split what it lists (per release or per group) so that each object stays under it`,
      ),
    );
  return out;
}

/** Maps of an environment file whose keys become label or annotation keys. */
const METADATA_MAPS = new Set(['podAnnotations', 'deploymentAnnotations', 'podLabels', 'annotations', 'labels']);

/** Where an environment file wrote a label or annotation key, when one did (the first layer that has it). */
function whereWritten(env: LoadedEnvironment, key: string): { file: string; line: number; path: string } | undefined {
  for (const source of [...env.sources].reverse()) {
    for (const [k, line] of source.lines) {
      const steps = k.split('\u0000');
      if (steps[steps.length - 1] === key && METADATA_MAPS.has(steps[steps.length - 2] ?? ''))
        return { file: source.file, line, path: steps.join('.') };
    }
  }
  return undefined;
}

/** The text rules' findings over a file as it will be written (`file` named as the user knows it), with lines. */
function textCredentials(found: readonly Finding[], file: string): Problem[] {
  return found.map(
    (c) =>
      new Problem(
        file,
        c.line,
        '',
        `[credentials] holds ${c.what} in plain text: take it from a Secret or an environment variable set from one`,
      ),
  );
}

/** Runs every check over the rendered files of the loaded environments. */
export async function runChecks(
  envs: readonly LoadedEnvironment[],
  files: readonly RenderedFile[],
  options: CheckOptions,
): Promise<CheckReport> {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  // What components declared, grouped by declaration and reason: the objects that carry each.
  const declared = new Map<string, string[]>();
  const byEnv = new Map<string, PlacedObject[]>();
  const fileIndex = new Map(files.map((f, i) => [f.path, i]));
  const passed = options.checked ? new Set<string>() : undefined;
  const done = (f: RenderedFile, written?: WriteOutcome) => {
    if (!options.checked || passed!.has(f.path)) return;
    passed!.add(f.path);
    options.checked(f, written);
  };
  const delegate = options.checked ? options.delegate : undefined;
  const scans = options.scans ?? localQueue();
  for (const f of files) {
    if (!f.object) {
      // Files that are not objects (an haproxy.cfg for the VMs): the text rules, with lines.
      const file = `${options.out}/${f.path}`;
      scans.add(undefined, f.text, f.path.endsWith('.yaml'), (scan) => {
        problems.push(...textCredentials(scan.text, file));
        done(f);
      });
      continue;
    }
    const env = envOf(f.path) ?? '';
    const list = byEnv.get(env);
    if (list) list.push({ path: f.path, object: f.object });
    else byEnv.set(env, [{ path: f.path, object: f.object }]);
  }

  // Waivers, with where they were written; used ones are counted across all environments of the run.
  const uses = new Map<string, { placed: PlacedWaiver; objects: Set<string> }>();
  for (const env of envs) {
    const waivers = env.values.policy?.waivers ?? [];
    const placedWaivers: PlacedWaiver[] = waivers.map((waiver, i) => {
      const loc = env.locate(['policy', 'waivers', i]);
      return {
        waiver,
        file: loc.file,
        line: loc.line,
        keyPath: loc.path.join('.'),
        shared: loc.file !== env.file,
        match: globRegExp(waiver.object),
      };
    });
    for (const p of placedWaivers) {
      const key = `${p.file}:${p.line}:${p.waiver.rule}:${p.waiver.object}`;
      if (!uses.has(key)) uses.set(key, { placed: p, objects: new Set() });
    }

    const objects: (PlacedObject | undefined)[] = byEnv.get(env.name) ?? [];
    byEnv.delete(env.name);
    const violations = policyViolations(objects as PlacedObject[]);
    for (let i = 0; i < objects.length; i++) {
      const placed = objects[i]!;
      // Nothing here holds an object once it is checked: a synth that writes it then can let it go.
      objects[i] = undefined;
      const o = placed.object;
      const id = objectId(o);
      const file = `${options.out}/${placed.path}`;
      const at = (field: string, message: string) =>
        new Problem(file, undefined, field === '' ? id : `${id} ${field}`, message);
      for (const issue of await validateObject(o))
        problems.push(at(issue.field, `[${issue.rule}] ${issue.message}: ${issue.fix}`));
      for (const issue of kubernetesIssues(o)) {
        const written = issue.key === undefined ? undefined : whereWritten(env, issue.key);
        problems.push(
          written
            ? new Problem(
                written.file,
                written.line,
                written.path,
                `[${issue.rule}] ${issue.message} (in ${file}, ${id})`,
              )
            : at(issue.field, `[${issue.rule}] ${issue.message}`),
        );
      }
      // The credential scans and the size, here or in a worker (the same findings either way).
      const secretData = secretDataProblems(o, at);
      const rendered = files[fileIndex.get(placed.path)!]!;
      await scans.room();
      // A file whose text is not made yet gets it from the queue (made here or in the worker, by the same function),
      // and is passed on (written) once scanned; or the worker writes it itself (`delegate`).
      const make = textMaker(rendered) === objectText;
      scans.add(
        o,
        make ? undefined : rendered.text,
        rendered.path.endsWith('.yaml'),
        (scan, text, written) => {
          if (make && text !== undefined) provideText(rendered, text);
          problems.push(...scanProblems(scan, secretData, at, file));
          done(rendered, written);
        },
        delegate && (() => delegate(rendered.path)),
      );
      const found = violations.get(placed) ?? [];
      violations.delete(placed);
      for (const v of found) {
        const waiver = placedWaivers.find((w) => w.waiver.rule === v.rule && w.match.test(id));
        if (waiver) {
          uses
            .get(`${waiver.file}:${waiver.line}:${waiver.waiver.rule}:${waiver.waiver.object}`)!
            .objects.add(`${env.name}:${id}`);
          continue;
        }
        problems.push(at(v.field, `[${v.rule}] ${v.message}: ${v.fix}, or waive it in policy.waivers with a reason`));
      }
      const annotations = (o.metadata?.annotations ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(annotations)) {
        if (!k.startsWith(DECLARATION_PREFIX) || k.endsWith(REASON_SUFFIX)) continue;
        const reason = annotations[`${k}${REASON_SUFFIX}`];
        const what = `${k.slice(DECLARATION_PREFIX.length)} ${String(v)}`;
        const key = `${what}\0${typeof reason === 'string' ? reason : ''}`;
        const list = declared.get(key);
        if (list) list.push(`${id}  (${file})`);
        else declared.set(key, [`${id}  (${file})`]);
      }
    }
  }
  await scans.flush();
  // Every rendered object is in the folder of a loaded environment, so this passes nothing on; kept so that the
  // receiver gets every file whatever the layout.
  for (const f of files) done(f);

  const waived: string[] = [];
  for (const { placed: p, objects } of [...uses.values()].sort(
    (a, b) => a.placed.file.localeCompare(b.placed.file) || (a.placed.line ?? 0) - (b.placed.line ?? 0),
  )) {
    const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
    if (objects.size === 0) {
      const message = `[stale-waiver] waiver of '${p.waiver.rule}' for ${p.waiver.object} matches no failing object: remove it (a stale waiver would hide the failure when it comes back)`;
      if (p.shared && options.partial)
        warnings.push(
          `${where}  ${p.keyPath}: ${message}; only a warning because --env left out environments that may use this shared layer`,
        );
      else problems.push(new Problem(p.file, p.line, p.keyPath, message));
      continue;
    }
    waived.push(
      `${p.waiver.rule}  ${p.waiver.object}  ${objects.size} object${objects.size === 1 ? '' : 's'}  (${where}): ${p.waiver.reason}`,
    );
  }
  const declaredLines = [...declared].map(([key, on]) => {
    const [what, reason] = key.split('\0') as [string, string];
    const where = on.length === 1 ? on[0] : `${on.length} objects, first ${on.sort()[0]}`;
    return `${what}  on ${where}${reason ? `: ${reason}` : ''}`;
  });
  return { problems: sortProblems(problems), waived, declared: declaredLines.sort(), warnings };
}

/** Prints the report's listings; throws UserError when a check failed. */
export function reportChecks(
  report: CheckReport,
  print: (text: string) => void,
  printErr: (text: string) => void,
): void {
  if (report.waived.length > 0)
    print(`policy waivers applied (${report.waived.length}):\n${report.waived.map((l) => `  ${l}`).join('\n')}\n`);
  if (report.declared.length > 0)
    print(`declared by components (${report.declared.length}):\n${report.declared.map((l) => `  ${l}`).join('\n')}\n`);
  if (report.warnings.length > 0)
    printErr(`warnings (${report.warnings.length}):\n${report.warnings.map((l) => `  ${l}`).join('\n')}\n`);
  if (report.problems.length > 0) {
    const n = report.problems.length;
    throw new UserError(`checks failed (${n} problem${n === 1 ? '' : 's'}):`, report.problems);
  }
}
