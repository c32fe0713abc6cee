/**
 * `rucio-gitops init`: a new environment that synthesizes as it is, on a clean clone, run through the built command
 * line; what it refuses, and that a refusal writes nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { capture, cleanup, git, ROOT, snapshot, sourceRepo } from './helpers.js';

afterAll(cleanup);

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'rucio-gitops.js'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('rucio-gitops init', () => {
  it('init demo on a clean clone, then synth: dist/{clusters,infrastructure,apps}/demo/, no waivers, exit 0', async () => {
    const repo = sourceRepo();
    const r = cli(repo, 'init', 'demo');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // Nothing but the environment file.
    expect(git(repo, 'status', '--porcelain', '--untracked-files=all').trim()).toBe('?? environments/demo.yaml');
    const text = readFileSync(join(repo, 'environments', 'demo.yaml'), 'utf8');
    const values = parse(text);
    expect(values.name).toBe('demo');
    expect(values.policy).toBeUndefined();
    expect(Object.keys(values.daemons['demo-daemons']).filter((k) => k.endsWith('Count'))).toEqual([
      'judgeEvaluatorCount',
      'judgeCleanerCount',
      'judgeRepairerCount',
      'judgeInjectorCount',
      'conveyorTransferSubmitterCount',
      'conveyorPollerCount',
      'conveyorFinisherCount',
      'reaperCount',
      'undertakerCount',
      'abacusAccountCount',
      'abacusRseCount',
      'hermesCount',
    ]);
    expect(text).toMatch(/^ {4}# evaluates new rules/m);
    // The next steps: the Secrets (with their keys), the CRDs, the bootstrap command.
    expect(r.out).toContain('wrote environments/demo.yaml; it synthesizes with no waiver and no error');
    // The prerequisites, as `rucio-gitops prerequisites --env demo` prints them.
    expect(r.out).toMatch(/rucio\/demo-db {2}keys url;/);
    expect(r.out).toMatch(/rucio\/demo-broker {2}keys password;/);
    expect(r.out).toMatch(/flux-system\/demo-deploy-key /);
    expect(r.out).toContain('kubectl -n rucio create secret generic demo-db --from-literal=url=VALUE');
    expect(r.out).toMatch(/custom resource definitions \(\d+\):/);
    // The reference text, from main() in this process (as prerequisites.test.ts runs the command; bin/ around main()
    // is the same for every command and runs as a process here for init, synth and synth --check).
    const p = capture();
    expect(await main(['prerequisites', '--env', 'demo', '--environments', join(repo, 'environments')], p.ctx)).toBe(0);
    const listed = p.out.join('').split('\n');
    expect(listed).toContain('demo: what must exist before Flux applies it');
    for (const line of listed.filter((l) => l.trim() !== '')) expect(r.out).toContain(line.trim());
    expect(r.out).toContain(
      'flux bootstrap git --url=ssh://git@git.example.org/rucio/deploy.git --branch=main --path=clusters/demo',
    );

    const s = cli(repo, 'synth');
    expect(s.code).toBe(0);
    for (const layer of ['clusters', 'infrastructure', 'apps'])
      expect(existsSync(join(repo, 'dist', layer, 'demo')), layer).toBe(true);
    expect(existsSync(join(repo, 'dist/apps/demo/demo-daemons/Deployment.demo-daemons-judge-evaluator.k8s.yaml'))).toBe(
      true,
    );
    expect(existsSync(join(repo, 'dist/apps/demo/demo-server/Deployment.demo-server-rucio-server.k8s.yaml'))).toBe(
      true,
    );
    expect(s.out).not.toMatch(/environments\/demo\.yaml:\d+\)/); // no waiver of demo.yaml applied
    expect(cli(repo, 'synth', '--check').code).toBe(0);
  }, 120_000);

  it('options: --servers, --namespace, --daemons none, --haproxy, --ingress, --flux-url, --dry-run', () => {
    const repo = sourceRepo();
    const before = snapshot(join(repo, 'environments'));
    const dry = cli(repo, 'init', 'small', '--servers', '3', '--namespace', 'rucio-small', '--haproxy', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('replicaCount: 3');
    expect(dry.out).toContain('namespace: rucio-small');
    expect(dry.out).toContain('- {release: small-server}');
    expect(dry.out).toContain('(--dry-run: environments/small.yaml not written)');
    expect(snapshot(join(repo, 'environments'))).toEqual(before);

    const ing = cli(
      repo,
      'init',
      'web',
      '--ingress',
      '--daemons',
      'none',
      '--flux-url',
      'https://git.example.org/r/d.git',
    );
    expect(ing.code).toBe(0);
    const web = parse(readFileSync(join(repo, 'environments', 'web.yaml'), 'utf8'));
    expect(web.daemons).toBeUndefined();
    expect(web.servers['web-server'].ingress.enabled).toBe(true);
    expect(ing.out).toContain('--url=https://git.example.org/r/d.git');

    const copy = cli(repo, 'init', 'prod2', '--from', 'production');
    expect(copy.code).toBe(0);
    const copied = readFileSync(join(repo, 'environments', 'prod2.yaml'), 'utf8');
    expect(copied).toMatch(/^name: prod2$/m);
    expect(copied).toContain("copied from production.yaml by 'rucio-gitops init prod2 --from production'");
    expect(cli(repo, 'validate', '--env', 'prod2').code).toBe(0);
  }, 120_000);

  it('refuses a taken name, a name that is not a DNS label, an existing output folder; writes nothing', () => {
    const repo = sourceRepo();
    mkdirSync(join(repo, 'dist', 'apps', 'old'), { recursive: true });
    writeFileSync(join(repo, 'dist', 'apps', 'old', 'notes.txt'), 'kept\n');
    const before = snapshot(repo + '/environments');
    const cases: Array<[string[], number, string]> = [
      [
        ['init', 'integration'],
        1,
        "refusing to init: environments/integration.yaml exists (environment 'integration' is taken)",
      ],
      [['init', 'old'], 1, 'refusing to init: dist/apps/old exists'],
      [['init', 'Demo'], 2, 'NAME must be a DNS label'],
      [['init', 'de_mo'], 2, 'NAME must be a DNS label'],
      [['init', '-demo'], 2, ''],
      [['init', '../x'], 2, 'NAME must be a DNS label'],
      [['init', 'a'.repeat(41)], 2, 'NAME must be a DNS label'],
      [['init'], 2, 'init takes one NAME'],
      [['init', 'x', '--servers', 'two'], 2, '--servers must be a whole number'],
      [['init', 'x', '--daemons', 'huge'], 2, '--daemons must be one of minimal, none'],
      [['init', 'x', '--haproxy', '--ingress'], 2, '--haproxy and --ingress exclude each other'],
      [['init', 'x', '--flux-url', 'https://u:secret@git.example.org/d.git'], 2, '--flux-url must be'],
      [['init', 'x', '--from', 'nowhere'], 1, "--from 'nowhere' is not an environment here"],
      [['init', 'x', '--namespace', 'Bad_NS'], 2, '--namespace must be a DNS label'],
    ];
    for (const [args, code, message] of cases) {
      const r = cli(repo, ...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.err).toContain(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    expect(snapshot(repo + '/environments')).toEqual(before);
    expect(readFileSync(join(repo, 'dist', 'apps', 'old', 'notes.txt'), 'utf8')).toBe('kept\n');
  }, 120_000);
});
