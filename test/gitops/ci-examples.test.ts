/**
 * The CI examples operators copy (examples/gitlab-ci.yml, examples/github-actions.yml): the commands of their
 * merge-request job and of their main-branch job run, as written, against a temporary repository with a bare
 * `origin` and a bare deploy repository. Only the API calls are replaced: `curl` and `gh` on the PATH are small
 * scripts that write the comment body (and the call's arguments) to files, which the test reads. `npm ci` is not
 * run: the commands use this checkout's installed and built toolkit (bin/ is linked into the repository).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../src/load/environments.js';
import type { RenderedFile } from '../../src/synth/files.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { writeTree } from '../../src/synth/write.js';
import { bareRemote, cleanup, git, identity, ROOT, tempDir } from './helpers.js';

afterAll(cleanup);

interface Fixture {
  readonly dir: string;
  readonly work: string;
  readonly deploy: string;
  readonly bin: string;
  readonly home: string;
}

const trees = new Map<string, readonly RenderedFile[]>();

/**
 * The fixture's dist/ at one step of its history, synthesized in this process: both tests' fixtures hold the same
 * environments at the same step, so each step is rendered once. The jobs' own `synth --check` (the real command)
 * fails when this dist/ is not exactly what the command writes.
 */
function synth(work: string, step: 'main' | 'merge request'): void {
  let files = trees.get(step);
  if (files === undefined) trees.set(step, (files = renderEnvironments(loadEnvironments(join(work, 'environments')))));
  writeTree(join(work, 'dist'), files, {});
}

/** origin (bare) with the bundled environments and their dist/ on main; a clone on a merge-request branch. */
function fixture(): Fixture {
  const dir = tempDir('rg-ci-');
  const origin = join(dir, 'origin.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
  const work = join(dir, 'work');
  git(dir, 'clone', '-q', origin, work);
  identity(work, 'Alice Operator', 'alice@example.org');
  cpSync(join(ROOT, 'environments'), join(work, 'environments'), { recursive: true });
  symlinkSync(join(ROOT, 'bin'), join(work, 'bin'));
  writeFileSync(join(work, '.git', 'info', 'exclude'), 'bin\nreview.*\n');
  synth(work, 'main');
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'environments and their manifests');
  git(work, 'push', '-q', 'origin', 'main');
  // The merge request: one more API server in integration, with its manifests.
  git(work, 'checkout', '-q', '-b', 'more-servers');
  const file = join(work, 'environments', 'integration.yaml');
  const text = readFileSync(file, 'utf8');
  expect(text).toContain('    replicaCount: 2\n');
  writeFileSync(file, text.replace('    replicaCount: 2\n', '    replicaCount: 3\n'));
  synth(work, 'merge request');
  git(work, 'commit', '-q', '-a', '-m', 'integration: a third API server');
  git(work, 'push', '-q', 'origin', 'more-servers');
  // The API clients: they write what they would send.
  const bin = join(dir, 'stub-bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'curl'),
    `#!/bin/sh
# curl as the examples call it: the comment body comes from --form "body=<FILE".
printf '%s\\n' "$@" > "$COMMENT_OUT.args"
for a in "$@"; do
  case "$a" in body=\\<*) cat "\${a#body=<}" > "$COMMENT_OUT" ;; esac
done
`,
  );
  writeFileSync(
    join(bin, 'gh'),
    `#!/bin/sh
# gh pr comment N --body-file FILE
printf '%s\\n' "$@" > "$COMMENT_OUT.args"
while [ $# -gt 0 ]; do
  if [ "$1" = --body-file ]; then cat "$2" > "$COMMENT_OUT"; fi
  shift
done
printf 'token=%s\\n' "$GH_TOKEN" >> "$COMMENT_OUT.args"
`,
  );
  chmodSync(join(bin, 'curl'), 0o755);
  chmodSync(join(bin, 'gh'), 0o755);
  const home = join(dir, 'home');
  mkdirSync(home);
  return { dir, work, deploy: bareRemote(), bin, home };
}

/**
 * Runs one command of an example as the CI runner would (bash, stop on the first error). `--norc`: the runner's job
 * shell reads no ~/.bashrc, while bash started with a socket as stdin (node's pipes are sockets) would read it, and
 * on a workstation that can cost seconds per command.
 */
function run(f: Fixture, command: string, env: Record<string, string>): void {
  const r = spawnSync('bash', ['--norc', '-eo', 'pipefail', '-c', command], {
    cwd: f.work,
    encoding: 'utf8',
    env: {
      PATH: `${f.bin}:${process.env.PATH}`,
      HOME: f.home,
      GIT_CONFIG_GLOBAL: join(f.home, '.gitconfig'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      COMMENT_OUT: join(f.dir, 'comment.md'),
      ...env,
    },
  });
  if (r.status !== 0) throw new Error(`command failed (${r.status}): ${command}\n${r.stdout}\n${r.stderr}`);
}

const skipped = (command: string) => /^npm ci\b/.test(command.trim());

/** After the merge: main has the merge request, the runner is on main. */
function merge(f: Fixture): void {
  git(f.work, 'checkout', '-q', 'main');
  git(f.work, 'merge', '-q', '--ff-only', 'more-servers');
  git(f.work, 'push', '-q', 'origin', 'main');
}

function expectReview(f: Fixture): string {
  const body = readFileSync(join(f.dir, 'comment.md'), 'utf8');
  expect(body).toMatch(/^### rucio-gitops diff against `origin\/main`/);
  expect(body).toContain('| changed | `Deployment/serverint-rucio-server` | `spec.replicas` |');
  expect(body).toContain('##### Capacity of integration: before → after');
  expect(body).toMatch(/\| \*\*serverint\*\* \| 2 → 3 \(\+1\) \|/);
  const html = readFileSync(join(f.work, 'review.html'), 'utf8');
  expect(html).toContain('<svg class="capacity-chart"');
  return readFileSync(join(f.dir, 'comment.md.args'), 'utf8');
}

function expectPublished(f: Fixture): void {
  const files = execFileSync('git', ['--git-dir', f.deploy, 'ls-tree', '-r', '--name-only', 'main'], {
    encoding: 'utf8',
  });
  expect(files).toContain('apps/integration/serverint/Deployment.serverint-rucio-server.k8s.yaml');
  const deployed = execFileSync(
    'git',
    ['--git-dir', f.deploy, 'show', 'main:apps/integration/serverint/Deployment.serverint-rucio-server.k8s.yaml'],
    { encoding: 'utf8' },
  );
  expect(deployed).toContain('  replicas: 3\n');
}

describe('examples/gitlab-ci.yml', () => {
  const pipeline = parse(readFileSync(join(ROOT, 'examples', 'gitlab-ci.yml'), 'utf8'));
  const commands = (job: string): string[] =>
    [...(pipeline.default?.before_script ?? []), ...pipeline[job].script].filter((c: string) => !skipped(c));

  it('the merge-request job checks, reviews and comments; the main-branch job publishes', () => {
    expect(pipeline.review.rules[0].if).toContain('merge_request_event');
    expect(pipeline.publish.rules[0].if).toBe('$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH');
    const f = fixture();
    const ci = {
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
      CI_API_V4_URL: 'https://gitlab.example.org/api/v4',
      CI_PROJECT_ID: '42',
      CI_MERGE_REQUEST_IID: '7',
      RUCIO_GITOPS_REVIEW_TOKEN: 'review-token-from-a-ci-variable',
    };
    for (const c of commands('review')) run(f, c, ci);
    const args = expectReview(f);
    expect(args).toContain('PRIVATE-TOKEN: review-token-from-a-ci-variable');
    expect(args).toContain('https://gitlab.example.org/api/v4/projects/42/merge_requests/7/notes');
    expect(pipeline.review.artifacts.paths).toContain('review.html');

    merge(f);
    for (const c of commands('publish'))
      run(f, c, { CI_COMMIT_BRANCH: 'main', DEPLOY_REPO_URL: f.deploy, DEPLOY_TOKEN: 'deploy-token' });
    expectPublished(f);
  }, 180_000);
});

describe('examples/github-actions.yml', () => {
  const workflow = parse(readFileSync(join(ROOT, 'examples', 'github-actions.yml'), 'utf8'));

  /** The run steps of a job, their `${{ … }}` expressions replaced by the values GitHub would give them. */
  function steps(job: string, values: Record<string, string>) {
    const expr = (text: string) =>
      text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, name: string) => {
        if (!(name in values)) throw new Error(`the test has no value for \${{ ${name} }}`);
        return values[name]!;
      });
    return (workflow.jobs[job].steps as Array<{ run?: string; env?: Record<string, string> }>)
      .filter((s) => s.run !== undefined && !skipped(s.run))
      .map((s) => ({
        run: expr(s.run!),
        env: Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, expr(String(v))])),
      }));
  }

  it('the pull-request job checks, reviews and comments; the push-to-main job publishes', () => {
    expect(workflow.permissions['pull-requests']).toBe('write');
    const f = fixture();
    // actions/checkout with fetch-depth: 0 fetches the base branch: origin/main is there.
    git(f.work, 'fetch', '-q', 'origin', 'main');
    for (const s of steps('review', {
      'github.base_ref': 'main',
      'secrets.GITHUB_TOKEN': 'github-token',
      'github.event.pull_request.number': '7',
    }))
      run(f, s.run, s.env);
    const args = expectReview(f);
    expect(args.split('\n').slice(0, 4)).toEqual(['pr', 'comment', '7', '--body-file']);
    expect(args).toContain('token=github-token');

    merge(f);
    for (const s of steps('publish', { 'secrets.DEPLOY_REPO_URL': f.deploy, 'secrets.DEPLOY_TOKEN': 'deploy-token' }))
      run(f, s.run, s.env);
    expectPublished(f);
    expect(existsSync(join(f.home, '.gitconfig'))).toBe(true);
  }, 180_000);
});
