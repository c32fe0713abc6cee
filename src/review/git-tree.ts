/**
 * Reads an output tree (`dist/`) as it is committed at a git ref, without checking anything out.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { UserError } from '../load/problems.js';

function git(cwd: string, args: readonly string[], input?: string): Buffer {
  try {
    return execFileSync('git', [...args], {
      cwd,
      input,
      maxBuffer: 512 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e);
    throw new UserError(`git ${args.join(' ')} failed: ${stderr.split('\n')[0]}`);
  }
}

/** The nearest existing folder of `path` (itself or a parent). */
export function existingDir(path: string): string {
  let near = resolve(path);
  while (!existsSync(near) && dirname(near) !== near) near = dirname(near);
  return near;
}

/** The top of the git work tree that holds `dir`. */
export function gitTopLevel(dir: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .trim();
  } catch {
    throw new UserError(
      `${dir} is not in a git work tree: diff compares with the output folder as committed at a git ref`,
    );
  }
}

/**
 * The default base of a review: the merge base of HEAD with the main branch (`origin/main`, else `main`, else
 * `origin/master`/`master`).
 */
export function defaultBase(cwd: string): string {
  for (const branch of ['origin/main', 'main', 'origin/master', 'master']) {
    try {
      execFileSync('git', ['rev-parse', '--verify', '--quiet', `${branch}^{commit}`], { cwd, stdio: 'pipe' });
    } catch {
      continue;
    }
    return git(cwd, ['merge-base', 'HEAD', branch]).toString().trim();
  }
  throw new UserError(
    'no main branch to compare with (tried origin/main, main, origin/master, master): pass --base REF',
  );
}

/** The files under `out` at `ref`, by path relative to `out`. An out folder absent at the ref gives an empty tree. */
export function treeAtRef(out: string, ref: string): Map<string, string> {
  const abs = resolve(out);
  const top = gitTopLevel(existingDir(abs));
  const prefix = relative(top, abs).split('\\').join('/');
  if (prefix.startsWith('..')) throw new UserError(`${out} is outside the git repository at ${top}`);
  let commit: string;
  try {
    commit = execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
      cwd: top,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .toString()
      .trim();
  } catch {
    throw new UserError(
      `no commit '${ref}' in ${top}: pass --base with a branch, tag or commit (a shallow CI clone may need 'git fetch origin main')`,
    );
  }
  const listed = git(top, ['ls-tree', '-r', '-z', '--name-only', commit, '--', prefix === '' ? '.' : prefix])
    .toString()
    .split('\0')
    .filter((p) => p !== '');
  const files = new Map<string, string>();
  if (listed.length === 0) return files;
  const out_ = git(top, ['cat-file', '--batch'], listed.map((p) => `${commit}:${p}`).join('\n') + '\n');
  let pos = 0;
  for (const path of listed) {
    const eol = out_.indexOf(0x0a, pos);
    const header = out_.subarray(pos, eol).toString();
    const size = Number(header.split(' ')[2]);
    if (!Number.isFinite(size)) throw new UserError(`cannot read ${path} at ${ref}: ${header}`);
    const text = out_.subarray(eol + 1, eol + 1 + size).toString('utf8');
    pos = eol + 1 + size + 1;
    const rel = prefix === '' ? path : path.slice(prefix.length + 1);
    if (rel.split('/').includes('flux-system')) continue;
    files.set(rel, text);
  }
  return files;
}
