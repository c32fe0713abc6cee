/**
 * The `rucio-gitops` command line.
 *
 * Exit codes: 0 success, 1 invalid input or a failed check (the messages say what and where), 2 wrong usage.
 * User errors never print a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseCacheStats } from '../load/parse-cache.js';
import { UsageError, UserError } from '../load/problems.js';
import { setModuleHost, type ModuleHost } from '../module-host.js';
import type { CommandContext } from './context.js';
import { mark, printTimings } from '../timings.js';
import { OPTIONS, optionHelp } from './options.js';

/** One subcommand. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  /** Loaded on demand, so a command pays only for what it uses at start-up. */
  run(ctx: CommandContext): Promise<number>;
}

/** Parses a command's options; an unknown option or a stray argument is a usage error. */
export function parseOptions<O extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: O,
  positionals = false,
) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: positionals,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(
      e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e),
    );
  }
}

export const COMMANDS: Record<string, Command> = {
  synth: {
    summary: 'validate the environments and write their manifests',
    usage: 'synth [--env NAME]... [--environments DIR] [--out DIR] [--check] [--remove-environment NAME]...',
    async run(ctx) {
      const { values } = parseOptions(ctx.args, OPTIONS.synth);
      if (values.help) return help(ctx, 'synth');
      const { synth } = await import('./synth.js');
      return synth(
        {
          environments: values.environments,
          env: values.env,
          out: values.out,
          check: values.check,
          removeEnvironment: values['remove-environment'],
        },
        ctx,
      );
    },
  },
  validate: {
    summary: 'run every check synth runs, writing nothing',
    usage: 'validate [--env NAME]... [--environments DIR]',
    async run(ctx) {
      const { values } = parseOptions(ctx.args, OPTIONS.validate);
      if (values.help) return help(ctx, 'validate');
      const { validate } = await import('./synth.js');
      return validate({ environments: values.environments, env: values.env }, ctx);
    },
  },
  schema: {
    summary: 'write the JSON Schema of environment files (for editors)',
    usage: 'schema [--out FILE] [--check]',
    async run(ctx) {
      const { values } = parseOptions(ctx.args, OPTIONS.schema);
      if (values.help) return help(ctx, 'schema');
      const { writeSchema } = await import('./schema.js');
      return writeSchema(values.out, values.check, ctx);
    },
  },
  diff: {
    summary: 'review: what synth produces now against dist/ at a git ref, object by object, with the capacity change',
    usage:
      'diff [--base REF] [--format text|markdown|json|html] [--out FILE] [--html FILE] [--svg FILE] [--exit-code] [--env NAME]... [--environments DIR] [--dist DIR]',
    async run(ctx) {
      const { values } = parseOptions(ctx.args, OPTIONS.diff);
      if (values.help) return help(ctx, 'diff');
      const { diff } = await import('./diff.js');
      return diff(
        {
          environments: values.environments,
          env: values.env,
          out: values.dist,
          file: values.out,
          svg: values.svg,
          html: values.html,
          base: values.base,
          format: values.format,
          exitCode: values['exit-code'],
        },
        ctx,
      );
    },
  },
  publish: {
    summary: 'commit a fresh synth to the deploy repository and push it (never forced)',
    usage:
      'publish --repo URL|PATH [--branch B] [--message TEXT] [--attempts N] [--allow-dirty] [--env NAME]... [--environments DIR]',
    async run(ctx) {
      const { values } = parseOptions(ctx.args, OPTIONS.publish);
      if (values.help) return help(ctx, 'publish');
      if (!values.repo) throw new UsageError('--repo URL|PATH is required');
      const attempts = Number(values.attempts);
      if (!Number.isInteger(attempts) || attempts < 1 || attempts > 50)
        throw new UsageError(`--attempts must be a whole number from 1 to 50, received '${values.attempts}'`);
      const { publish } = await import('./publish.js');
      return publish(
        {
          environments: values.environments,
          env: values.env,
          repo: values.repo,
          branch: values.branch,
          message: values.message,
          attempts,
          allowDirty: values['allow-dirty'],
        },
        ctx,
      );
    },
  },
  init: {
    summary: 'write a new environment file that synthesizes as it is, and print the next steps',
    usage:
      'init NAME [--from ENV|minimal] [--namespace NS] [--servers N] [--daemons minimal|none] [--flux-url URL] [--haproxy|--ingress] [--tag TAG] [--dry-run] [--environments DIR] [--out DIR]',
    async run(ctx) {
      const { values, positionals } = parseOptions(ctx.args, OPTIONS.init, true);
      if (values.help) return help(ctx, 'init');
      if (positionals.length !== 1) throw new UsageError('init takes one NAME');
      const name = positionals[0]!;
      const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
      if (!label.test(name) || name.length > 40)
        throw new UsageError(
          `NAME must be a DNS label (lowercase letters, digits and '-', at most 40 characters so release names fit), received '${name}'`,
        );
      const namespace = values.namespace ?? 'rucio';
      if (!label.test(namespace) || namespace.length > 63)
        throw new UsageError(`--namespace must be a DNS label, received '${namespace}'`);
      const servers = Number(values.servers);
      if (!/^\d+$/.test(values.servers) || servers > 50)
        throw new UsageError(`--servers must be a whole number from 0 to 50, received '${values.servers}'`);
      const { DAEMON_PROFILES } = await import('../init/template.js');
      if (!(DAEMON_PROFILES as readonly string[]).includes(values.daemons))
        throw new UsageError(`--daemons must be one of ${DAEMON_PROFILES.join(', ')}, received '${values.daemons}'`);
      if (values.haproxy && values.ingress) throw new UsageError('--haproxy and --ingress exclude each other');
      if ((values.haproxy || values.ingress) && servers === 0)
        throw new UsageError(
          `--${values.haproxy ? 'haproxy' : 'ingress'} needs a server release (--servers 1 or more)`,
        );
      if (
        !/^(ssh|https):\/\/[^\s@]*@?[^\s]+$/.test(values['flux-url']) ||
        /:\/\/[^/@]*:[^/@]*@/.test(values['flux-url'])
      )
        throw new UsageError(
          `--flux-url must be an ssh:// or https:// URL without a password, received '${values['flux-url']}'`,
        );
      const { init } = await import('./init.js');
      return init(
        {
          name,
          namespace,
          namespaceGiven: values.namespace !== undefined,
          servers,
          daemons: values.daemons as 'minimal' | 'none',
          fluxUrl: values['flux-url'],
          tag: values.tag,
          exposure: values.haproxy ? 'haproxy' : values.ingress ? 'ingress' : undefined,
          from: values.from === undefined || values.from === 'minimal' ? undefined : values.from,
          environments: values.environments,
          out: values.out,
          dryRun: values['dry-run'],
        },
        ctx,
      );
    },
  },
  prerequisites: {
    summary: 'list the Namespaces, CRDs and Secrets (name, keys) that must exist before Flux applies an environment',
    usage: 'prerequisites [--env NAME]... [--environments DIR] [--format text|json]',
    async run(ctx) {
      const { values } = parseOptions(ctx.args, OPTIONS.prerequisites);
      if (values.help) return help(ctx, 'prerequisites');
      const { printPrerequisites } = await import('./prerequisites.js');
      return printPrerequisites({ environments: values.environments, env: values.env, format: values.format }, ctx);
    },
  },
  import: {
    summary: 'turn Helm values files and Flux HelmReleases of the Rucio charts into an environment file',
    usage:
      'import --name NAME [--namespace NS] [--server RELEASE=FILE[,FILE...]]... [--daemons RELEASE=FILE[,FILE...]]... [--webui RELEASE=FILE[,FILE...]]... [--helmrelease FILE]... [--out FILE] [--force]',
    async run(ctx) {
      const { values } = parseOptions(ctx.args, OPTIONS.import);
      if (values.help) return help(ctx, 'import');
      if (!values.name) throw new UsageError('--name NAME is required');
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(values.name) || values.name.length > 63)
        throw new UsageError(`--name must be a lowercase DNS label, received '${values.name}'`);
      const { importCommand } = await import('./import.js');
      return importCommand(
        {
          name: values.name,
          ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
          releases: { server: values.server, daemons: values.daemons, webui: values.webui },
          helmReleases: values.helmrelease,
          out: values.out ?? `environments/${values.name}.yaml`,
          force: values.force,
        },
        ctx,
      );
    },
  },
  promote: {
    summary: 'move the release-pinned values (image tags) that have soaked from one environment file to another',
    usage:
      'promote --from ENV --to ENV [--environments DIR] [--dry-run] [--commit [--out DIR]] [--force --reason TEXT]',
    async run(ctx) {
      const { values } = parseOptions(ctx.args, OPTIONS.promote);
      if (values.help) return help(ctx, 'promote');
      if (!values.from || !values.to) throw new UsageError('--from ENV and --to ENV are required');
      const { checkReason } = await import('../promote/gate.js');
      if (values.force && values.reason === undefined)
        throw new UsageError('--force needs --reason TEXT: the reason is recorded in the commit message');
      if (values.reason !== undefined && !values.force) throw new UsageError('--reason goes with --force');
      const bad = values.reason === undefined ? undefined : checkReason(values.reason);
      if (bad) throw new UsageError(bad);
      const { promote } = await import('./promote.js');
      return promote(
        {
          environments: values.environments,
          from: values.from,
          to: values.to,
          dryRun: values['dry-run'],
          commit: values.commit,
          out: values.out,
          forceReason: values.force ? values.reason!.trim() : undefined,
        },
        ctx,
      );
    },
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: rucio-gitops <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nrucio-gitops <command> --help shows the options of a command.\n`;
}

function help(ctx: CommandContext, name: keyof typeof OPTIONS): number {
  ctx.stdout(`usage: rucio-gitops ${COMMANDS[name]!.usage}\n\n${COMMANDS[name]!.summary}\n\n${optionHelp(name)}`);
  return 0;
}

/** Runs the command line and returns the exit code. */
export async function main(argv: readonly string[], ctx: Omit<CommandContext, 'args'>): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? ctx.stderr : ctx.stdout)(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    ctx.stderr(`rucio-gitops: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run({ ...ctx, args });
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.stderr(`rucio-gitops ${name}: ${e.message}\nusage: rucio-gitops ${command.usage}\n`);
      return 2;
    }
    if (e instanceof UserError) {
      ctx.stderr(`${e.message}\n`);
      return 1;
    }
    // Input nested beyond what any stage can walk: a one-line error, never the engine's stack overflow.
    if (e instanceof RangeError && /maximum call stack/i.test(e.message)) {
      ctx.stderr(
        `rucio-gitops ${name}: the input is nested too deeply to process: no environment file nests like this\n`,
      );
      return 1;
    }
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      ctx.stderr(
        `rucio-gitops ${name}: no space left on the device (${code}); nothing was published or swapped in: free space and run it again\n`,
      );
      return 1;
    }
    throw e;
  }
}

/** The parse cache's figures for the timings line (`RUCIO_GITOPS_TIMINGS=1`), when it was asked. */
function parseCacheNote(): string {
  const { hits, misses, written } = parseCacheStats;
  return hits + misses === 0 ? '' : `; parse cache: ${hits} hits, ${misses} misses, ${written} written`;
}

/** Runs as the process's main module; `host` is how the entry point imports and resolves run-time modules. */
export async function run(host?: ModuleHost): Promise<void> {
  if (host) setModuleHost(host);
  const code = await main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
  mark('end');
  printTimings((t) => process.stderr.write(t), parseCacheNote());
  process.exitCode = code;
}
