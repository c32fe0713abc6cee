/**
 * Reads an output tree (`dist/`) as it is committed at a git ref, without checking anything out.
 */
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { commitOf, git, mainBranch, readObjects, workTreeOf } from '../git/git.js';
import { UserError } from '../load/problems.js';

/** The nearest existing folder of `path` (itself or a parent). */
export function existingDir(path: string): string {
  let near = resolve(path);
  while (!existsSync(near) && dirname(near) !== near) near = dirname(near);
  return near;
}

/** The top of the git work tree that holds `dir`. */
export async function gitTopLevel(dir: string): Promise<string> {
  const top = await workTreeOf(dir);
  if (top === undefined)
    throw new UserError(
      `${dir} is not in a git work tree: diff compares with the output folder as committed at a git ref`,
    );
  return top;
}

/**
 * The default base of a review: the merge base of HEAD with the main branch (`origin/main`, else `main`, else
 * `origin/master`/`master`).
 */
export async function defaultBase(cwd: string): Promise<string> {
  const branch = await mainBranch(cwd);
  if (branch === undefined)
    throw new UserError(
      'no main branch to compare with (tried origin/main, main, origin/master, master): pass --base REF',
    );
  return (await git(cwd, ['merge-base', 'HEAD', branch])).trim();
}

/** The files under `out` at `ref`, by path relative to `out`. An out folder absent at the ref gives an empty tree. */
export async function treeAtRef(out: string, ref: string): Promise<Map<string, string>> {
  const abs = resolve(out);
  const top = await gitTopLevel(existingDir(abs));
  const prefix = relative(top, abs).split('\\').join('/');
  if (prefix.startsWith('..')) throw new UserError(`${out} is outside the git repository at ${top}`);
  const commit = await commitOf(top, ref);
  if (commit === undefined)
    throw new UserError(
      `no commit '${ref}' in ${top}: pass --base with a branch, tag or commit (a shallow CI clone may need 'git fetch origin main')`,
    );
  const listed = (await git(top, ['ls-tree', '-r', '-z', '--name-only', commit, '--', prefix === '' ? '.' : prefix]))
    .split('\0')
    .filter((p) => p !== '');
  const files = new Map<string, string>();
  const blobs = await readObjects(
    top,
    listed.map((p) => `${commit}:${p}`),
  );
  listed.forEach((path, i) => {
    const blob = blobs[i];
    if (blob === undefined) throw new UserError(`cannot read ${path} at ${ref}`);
    const rel = prefix === '' ? path : path.slice(prefix.length + 1);
    if (!rel.split('/').includes('flux-system')) files.set(rel, blob.toString('utf8'));
  });
  return files;
}
