/**
 * git, run through simple-git by every command that reads or writes a repository (diff, publish, promote): one way
 * to run git, a failure one line of what git said.
 */
import { simpleGit, type SimpleGit } from 'simple-git';
import { UserError } from '../load/problems.js';

/**
 * simple-git in `dir` (which must exist), one git process at a time, output untrimmed. git gets this process's
 * environment as it is, as when run by hand (simple-git alone strips every `GIT_*` variable, GIT_SSH_COMMAND for a
 * deploy key and GIT_CONFIG_* from CI included). Any exit status but 0 is a failure (simple-git alone lets one that
 * prints nothing on stderr pass). `input`, when given, is written to the stdin of every command.
 */
export function gitIn(dir: string, input?: string): SimpleGit {
  return simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: 1,
    trimmed: false,
    allowEnvironment: Object.keys(process.env),
    errors: (error, result) => {
      if (error !== undefined || result.exitCode === 0) return error;
      const said = Buffer.concat(result.stdErr);
      return said.length > 0 ? said : Buffer.from(`exit status ${result.exitCode}`);
    },
    ...(input === undefined ? {} : { input: () => input }),
  });
}

/** The first line of what a failed git command said. */
export function gitMessage(e: unknown, lines = 1): string {
  return (e instanceof Error ? e.message : String(e))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('hint:'))
    .slice(0, lines)
    .join(' / ');
}

/** `git <args>` in `dir`: its output; a failure is a UserError `git <args> failed: <what git said>`. */
export async function git(dir: string, args: readonly string[], input?: string): Promise<string> {
  try {
    return await gitIn(dir, input).raw([...args]);
  } catch (e) {
    throw new UserError(`git ${args.join(' ')} failed: ${gitMessage(e)}`);
  }
}

/** The top of the git work tree holding `dir`, or undefined when there is none. */
export async function workTreeOf(dir: string): Promise<string | undefined> {
  try {
    return (await gitIn(dir).revparse(['--show-toplevel'])).trim();
  } catch {
    return undefined;
  }
}

/** The commit `ref` names in the repository at `dir`, or undefined. */
export async function commitOf(dir: string, ref: string): Promise<string | undefined> {
  try {
    const out = (await gitIn(dir).raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
    return out === '' ? undefined : out;
  } catch {
    return undefined;
  }
}

/** The main branch of the repository at `dir`: `origin/main`, else `main`, else `origin/master`, `master`. */
export async function mainBranch(dir: string): Promise<string | undefined> {
  for (const branch of ['origin/main', 'main', 'origin/master', 'master'])
    if ((await commitOf(dir, branch)) !== undefined) return branch;
  return undefined;
}

/**
 * Reads objects (`<commit>:<path>`) with one `git cat-file --batch`, as bytes; an object that is missing reads as
 * undefined.
 */
export async function readObjects(dir: string, specs: readonly string[]): Promise<Array<Buffer | undefined>> {
  if (specs.length === 0) return [];
  let raw: unknown;
  try {
    raw = await gitIn(dir, specs.map((s) => `${s}\n`).join('')).binaryCatFile(['--batch']);
  } catch (e) {
    throw new UserError(`git cat-file --batch failed: ${gitMessage(e)}`);
  }
  if (!Buffer.isBuffer(raw)) throw new UserError('git cat-file --batch gave no bytes');
  const out = raw;
  const result: Array<Buffer | undefined> = [];
  let pos = 0;
  for (let i = 0; i < specs.length; i++) {
    const eol = out.indexOf(0x0a, pos);
    const header = out.subarray(pos, eol < 0 ? out.length : eol).toString();
    const size = Number(header.split(' ')[2]);
    if (eol < 0 || header.endsWith(' missing') || header.endsWith(' ambiguous') || !Number.isInteger(size)) {
      result.push(undefined);
      pos = eol < 0 ? out.length : eol + 1;
      continue;
    }
    result.push(out.subarray(eol + 1, eol + 1 + size));
    pos = eol + 1 + size + 1;
  }
  return result;
}
