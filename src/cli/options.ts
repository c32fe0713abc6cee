/**
 * The options of every command, as the parser takes them, and what `rucio-gitops <command> --help` says about each:
 * what it does and its default. The help text of every option is required by the type of `HELP`, and the defaults are
 * read from the parser's own table.
 */
import type { ParseArgsConfig } from 'node:util';

const ENV_OPTIONS = {
  env: { type: 'string', multiple: true },
  environments: { type: 'string', default: 'environments' },
} as const satisfies ParseArgsConfig['options'];

/** Every command's options, as parsed: `--help` reads the same table, so the help cannot drift from the parser. */
export const OPTIONS = {
  synth: {
    ...ENV_OPTIONS,
    out: { type: 'string', default: 'dist' },
    check: { type: 'boolean', default: false },
    'remove-environment': { type: 'string', multiple: true },
  },
  validate: {
    ...ENV_OPTIONS,
  },
  schema: {
    out: { type: 'string', default: 'values/environment.schema.json' },
    check: { type: 'boolean', default: false },
  },
  diff: {
    ...ENV_OPTIONS,
    dist: { type: 'string', default: 'dist' },
    out: { type: 'string' },
    svg: { type: 'string' },
    html: { type: 'string' },
    base: { type: 'string' },
    format: { type: 'string', default: 'text' },
    'exit-code': { type: 'boolean', default: false },
  },
  publish: {
    ...ENV_OPTIONS,
    repo: { type: 'string' },
    branch: { type: 'string', default: 'main' },
    message: { type: 'string' },
    attempts: { type: 'string', default: '5' },
    'allow-dirty': { type: 'boolean', default: false },
  },
  init: {
    environments: ENV_OPTIONS.environments,
    out: { type: 'string', default: 'dist' },
    from: { type: 'string' },
    namespace: { type: 'string' },
    servers: { type: 'string', default: '1' },
    daemons: { type: 'string', default: 'minimal' },
    'flux-url': { type: 'string', default: 'ssh://git@git.example.org/rucio/deploy.git' },
    haproxy: { type: 'boolean', default: false },
    ingress: { type: 'boolean', default: false },
    tag: { type: 'string', default: 'release-36.2.0' },
    'dry-run': { type: 'boolean', default: false },
  },
  prerequisites: {
    ...ENV_OPTIONS,
    format: { type: 'string', default: 'text' },
  },
  import: {
    name: { type: 'string' },
    namespace: { type: 'string' },
    server: { type: 'string', multiple: true, default: [] },
    daemons: { type: 'string', multiple: true, default: [] },
    webui: { type: 'string', multiple: true, default: [] },
    helmrelease: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
  },
  promote: {
    environments: ENV_OPTIONS.environments,
    from: { type: 'string' },
    to: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    commit: { type: 'boolean', default: false },
    out: { type: 'string', default: 'dist' },
    force: { type: 'boolean', default: false },
    reason: { type: 'string' },
  },
} as const satisfies Record<string, NonNullable<ParseArgsConfig['options']>>;

/** What an option does; `value` names its argument, `default` says what happens without it (else the parser's default). */
interface OptionDoc {
  readonly value?: string;
  readonly text: string;
  readonly default?: string;
}

type Help = { readonly [C in keyof typeof OPTIONS]: { readonly [O in keyof (typeof OPTIONS)[C]]: OptionDoc } };

const ENV_HELP = {
  env: {
    value: 'NAME',
    text: 'an environment (the file environments/NAME.yaml); repeat it for several',
    default: 'every environment in --environments',
  },
  environments: { value: 'DIR', text: 'the folder of the environment files and their layers' },
} as const;

const HELP: Help = {
  synth: {
    ...ENV_HELP,
    out: { value: 'DIR', text: 'the output folder (what Flux reads)' },
    check: { text: 'write nothing; exit 1 when the output folder differs from a fresh synth (for CI)' },
    'remove-environment': {
      value: 'NAME',
      text: 'remove the output of an environment whose file is gone (Flux then prunes it from its cluster); repeatable',
      default: 'refuse to remove any',
    },
  },
  validate: { ...ENV_HELP },
  schema: {
    out: {
      value: 'FILE',
      text: 'where the JSON Schema goes (values/REFERENCE.md and docs/upstream-differences.md are written beside it)',
    },
    check: { text: 'write nothing; exit 1 when a generated file is stale (for CI)' },
  },
  diff: {
    ...ENV_HELP,
    dist: { value: 'DIR', text: 'the output folder to compare, at --base' },
    out: { value: 'FILE', text: 'write the review to this file', default: 'standard output' },
    svg: { value: 'FILE', text: 'also write the capacity chart as an SVG file', default: 'none' },
    html: {
      value: 'FILE',
      text: 'also write the review as one self-contained HTML page (with --format markdown: the comment and the page in one run)',
      default: 'none',
    },
    base: {
      value: 'REF',
      text: 'the git ref whose committed output is compared',
      default: 'the merge base of HEAD with origin/main, else main, origin/master, master',
    },
    format: { value: 'text|markdown|json|html', text: 'the review format (html is one self-contained page)' },
    'exit-code': { text: 'exit 1 when something changes (as git diff --exit-code)' },
  },
  publish: {
    ...ENV_HELP,
    repo: { value: 'URL|PATH', text: 'the deploy repository to commit to (required)', default: 'none: required' },
    branch: { value: 'B', text: 'the branch of the deploy repository' },
    message: {
      value: 'TEXT',
      text: "the commit message's first line (the environments and objects changed and the source commit follow)",
      default: "'rucio-gitops publish: <environments>'",
    },
    attempts: { value: 'N', text: 'how often to retry when the remote moved (1 to 50); never a forced push' },
    'allow-dirty': {
      text: 'publish uncommitted changes of environments/, dist/ or values/ too (the commit says so)',
    },
  },
  init: {
    environments: ENV_HELP.environments,
    out: { value: 'DIR', text: 'the output folder whose NAME folders must not exist yet' },
    from: {
      value: 'ENV|minimal',
      text: "copy an existing environment's file under the new name",
      default: 'minimal: a new commented file',
    },
    namespace: { value: 'NS', text: 'the namespace of the releases', default: 'rucio' },
    servers: { value: 'N', text: 'pods of the server release (0 for no server release)' },
    daemons: { value: 'minimal|none', text: 'the daemons a small instance needs, or none' },
    'flux-url': { value: 'URL', text: 'the deploy repository Flux reads (ssh:// or https://, no password)' },
    haproxy: { text: 'put HAProxy in front of the server release (excludes --ingress)' },
    ingress: { text: 'give the server release an Ingress (excludes --haproxy)' },
    tag: { value: 'TAG', text: 'the Rucio image tag of every release' },
    'dry-run': { text: 'print the file and write nothing' },
  },
  prerequisites: {
    ...ENV_HELP,
    format: { value: 'text|json', text: 'text with kubectl create secret lines, or json' },
  },
  import: {
    name: { value: 'NAME', text: 'the new environment (required; a DNS label)', default: 'none: required' },
    namespace: {
      value: 'NS',
      text: 'the namespace of the releases',
      default: "the first HelmRelease's namespace, else rucio",
    },
    server: {
      value: 'RELEASE=FILE[,FILE...]',
      text: 'a server release and its values files in helm -f order; repeatable',
      default: 'none',
    },
    daemons: {
      value: 'RELEASE=FILE[,FILE...]',
      text: 'a daemons release and its values files in helm -f order; repeatable',
      default: 'none',
    },
    webui: {
      value: 'RELEASE=FILE[,FILE...]',
      text: 'a WebUI release and its values files in helm -f order; repeatable',
      default: 'none',
    },
    helmrelease: { value: 'FILE', text: 'a Flux HelmRelease of a Rucio chart; repeatable', default: 'none' },
    out: { value: 'FILE', text: 'where the environment file goes', default: 'environments/NAME.yaml' },
    force: { text: 'overwrite an existing file' },
  },
  promote: {
    environments: ENV_HELP.environments,
    from: { value: 'ENV', text: 'the environment the tested tags come from (required)', default: 'none: required' },
    to: { value: 'ENV', text: 'the environment whose file is edited (required)', default: 'none: required' },
    'dry-run': { text: 'print the edit and the review, write nothing' },
    commit: { text: 'synthesize into --out and commit the file and the manifests with Promoted-From: trailers' },
    out: { value: 'DIR', text: 'the output folder --commit synthesizes into' },
    force: { text: 'promote tags that have not soaked yet (needs --reason)' },
    reason: { value: 'TEXT', text: 'why the soak is overridden, one line, recorded in the commit', default: 'none' },
  },
};

/** The default of an option, as the help shows it. */
function shown(
  spec: { readonly type: string; readonly default?: string | boolean | readonly string[]; readonly multiple?: boolean },
  doc: OptionDoc,
) {
  if (doc.default !== undefined) return doc.default;
  if (spec.type === 'boolean') return spec.default === true ? 'on' : 'off';
  if (spec.default === undefined || (Array.isArray(spec.default) && spec.default.length === 0)) return 'none';
  return Array.isArray(spec.default) ? spec.default.join(', ') : String(spec.default);
}

/** The `options:` section of a command's help: each option, what it does and its default. */
export function optionHelp(command: keyof typeof OPTIONS): string {
  const specs = OPTIONS[command] as Readonly<
    Record<string, { type: string; default?: string | boolean | readonly string[]; multiple?: boolean }>
  >;
  const docs = HELP[command] as Readonly<Record<string, OptionDoc>>;
  const rows = Object.keys(specs).map((name) => {
    const doc = docs[name]!;
    const flag = `--${name}${doc.value ? ` ${doc.value}` : ''}`;
    return [flag, `${doc.text} (default: ${shown(specs[name]!, doc)})`] as [string, string];
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([f]) => f.length));
  return `options:\n${rows.map(([f, t]) => `  ${f.padEnd(width)}  ${t}`).join('\n')}\n`;
}
