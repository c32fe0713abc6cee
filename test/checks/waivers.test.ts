/**
 * Waivers in the environment files: listed in the output, required for the bundled root images, a stale waiver
 * reported, a malformed one refused with its key path.
 */
import { describe, expect, test } from 'vitest';
import { copyEnvironments, edit, run } from './helpers.js';

describe('policy waivers', () => {
  test('the bundled environments pass, and the output lists every waiver with its reason and place', async () => {
    const r = await run(['validate', '--environments', copyEnvironments()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('policy waivers applied (18):');
    expect(r.stdout).toMatch(
      /run-as-non-root {2}DaemonSet\/filebeat {2}1 object {2}\(.*production\.yaml:\d+\): filebeat reads the container logs/,
    );
    expect(r.stdout).toMatch(
      /run-as-non-root {2}Deployment\/daemonprod-\* {2}15 objects {2}\(.*production\.yaml:\d+\): the rucio-daemons image runs its entrypoint as root/,
    );
    expect(r.stdout).toMatch(
      /read-only-root-fs {2}Deployment\/serverint-rucio-server {2}1 object {2}\(.*integration\.yaml:\d+\)/,
    );
  });

  test('without its waiver, the server fails run-as-non-root, naming the object, the field and the fix', async () => {
    const dir = copyEnvironments();
    edit(dir, 'integration.yaml', (t) =>
      t
        .replace(
          /    - rule: run-as-non-root\n      object: Deployment\/serverint-rucio-server\n      reason: &server-root [^\n]*\n/,
          '',
        )
        .replace('reason: *server-root', 'reason: x'),
    );
    const r = await run(['validate', '--environments', dir, '--env', 'integration']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "dist/apps/integration/serverint/Deployment.serverint-rucio-server.k8s.yaml  Deployment/serverint-rucio-server spec.template.spec.containers[1].securityContext.runAsNonRoot: [run-as-non-root] container 'rucio-server' may run as root",
    );
    expect(r.stderr).toContain('or waive it in policy.waivers with a reason');
  });

  test('a waiver that matches no failure is an error at its line', async () => {
    const dir = copyEnvironments();
    edit(
      dir,
      'production.yaml',
      (t) =>
        `${t}    - rule: privilege-escalation\n      object: Deployment/daemonprod-reaper\n      reason: left over from an older image that needed it\n`,
    );
    const r = await run(['validate', '--environments', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /production\.yaml:\d+ {2}policy\.waivers\.\d+: \[stale-waiver\] waiver of 'privilege-escalation' for Deployment\/daemonprod-reaper matches no failing object: remove it/,
    );
  });

  test('a stale waiver in a shared layer is only a warning when --env leaves environments out', async () => {
    const dir = copyEnvironments();
    // A shared waiver used by no environment: an error on a full run, a warning with --env.
    edit(
      dir,
      '_rucio.yaml',
      (t) =>
        `${t}policy:\n  waivers:\n    - rule: host-path\n      object: DaemonSet/filebeat\n      reason: filebeat will read the node's logs\n`,
    );
    edit(dir, 'production.yaml', (t) => t.slice(0, t.indexOf('\n# Policy waivers')) + '\n');
    let r = await run(['validate', '--environments', dir, '--env', 'production']);
    // production now has no waivers of its own, so it takes the shared list and its daemons fail run-as-non-root.
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[run-as-non-root]');
    expect(r.stderr).toMatch(
      /warnings \(1\):\n {2}.*_rucio\.yaml:\d+ {2}policy\.waivers\.0: \[stale-waiver\].*only a warning because --env/,
    );
    r = await run(['validate', '--environments', dir]);
    expect(r.stderr).toMatch(/_rucio\.yaml:\d+ {2}policy\.waivers\.0: \[stale-waiver\]/);
  });

  test.each([
    ['rule: no-root', 'policy.waivers.0.rule'],
    ['object: serverint', 'policy.waivers.0.object'],
    ['reason: ok', 'policy.waivers.0.reason'],
  ])('a malformed waiver (%s) is refused at %s', async (line, path) => {
    const dir = copyEnvironments();
    const key = line.split(':')[0]!;
    edit(dir, 'integration.yaml', (t) =>
      t.replace(
        new RegExp(
          `(    - rule: run-as-non-root\\n      object: Deployment/serverint-rucio-server\\n      reason: &server-root [^\\n]*\\n)`,
        ),
        (block) => block.replace(new RegExp(`(- |      )${key}: [^\\n]*`), (m) => m.replace(/[a-z]+: .*/, line)),
      ),
    );
    const r = await run(['validate', '--environments', dir, '--env', 'integration']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`integration\\.yaml:\\d+ {2}${path.replace(/\./g, '\\.')}: `));
  });

  test('daemons without metrics have no health signal: the construct declares it, and synth lists the declaration', async () => {
    const dir = copyEnvironments();
    edit(dir, 'production.yaml', (t) =>
      t.replace('      loglevel: INFO\n', '      loglevel: INFO\n    monitor:\n      enable_metrics: false\n'),
    );
    const r = await run(['validate', '--environments', dir, '--env', 'production']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /declared by components \(16\):\n[^]*no-probe-signal rucio-daemons {2}on Deployment\/daemonprod-conveyor-finisher {2}\(dist\/apps\/production\/daemonprod\/Deployment\.daemonprod-conveyor-finisher\.k8s\.yaml\)/,
    );
  });

  test('an environment cannot forge a declaration through deploymentAnnotations', async () => {
    const dir = copyEnvironments();
    edit(dir, 'production.yaml', (t) =>
      t.replace(
        '    fullnameOverride: daemonprod\n',
        '    fullnameOverride: daemonprod\n    deploymentAnnotations:\n      policy.rucio-gitops/host-path: varlog\n',
      ),
    );
    const r = await run(['validate', '--environments', dir, '--env', 'production']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /production\.yaml:16 {2}daemons\.daemonprod\.deploymentAnnotations\.policy\.rucio-gitops\/host-path: 'policy\.rucio-gitops\/host-path' is a declaration only a construct may make/,
    );
  });
});
