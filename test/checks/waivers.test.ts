/**
 * Waivers in the environment files: none needed by the bundled environments (the constructs declare what their images
 * need), a stale waiver reported, a malformed one refused with its key path.
 */
import { describe, expect, test } from 'vitest';
import { copyEnvironments, edit, run } from './helpers.js';

describe('policy waivers', () => {
  test('the bundled environments need no waiver: the constructs declare what their images need, with the reason', async () => {
    const r = await run(['validate', '--environments', copyEnvironments()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('policy waivers applied');
    expect(r.stdout).toMatch(
      /runs-as-root rucio-daemons {2}on 41 objects, first Deployment\/daemonint-conveyor-finisher {2}\(dist\/apps\/integration\/daemonint\/Deployment\.daemonint-conveyor-finisher\.k8s\.yaml\): the rucio-daemons image runs its entrypoint as root/,
    );
    expect(r.stdout).toMatch(
      /writable-root-fs rucio-server {2}on Deployment\/serverint-rucio-server .*: the entrypoint renders rucio\.cfg/,
    );
    expect(r.stdout).toMatch(/runs-as-root filebeat {2}on 2 objects.*: filebeat reads the container logs/);
    expect(r.stdout).toMatch(/writable-root-fs rucio-probes {2}on 2 objects.*crond writes its pid/);
  });

  test('a waiver of what an image needs is stale: an environment waives only what it chose', async () => {
    const dir = copyEnvironments();
    edit(
      dir,
      'integration.yaml',
      (t) =>
        `${t}policy:\n  waivers:\n    - rule: run-as-non-root\n      object: Deployment/serverint-rucio-server\n      reason: httpd binds ports 80 and 443 as root\n`,
    );
    const r = await run(['validate', '--environments', dir, '--env', 'integration']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /integration\.yaml:\d+ {2}policy\.waivers\.0: \[stale-waiver\] waiver of 'run-as-non-root' for Deployment\/serverint-rucio-server matches no failing object/,
    );
  });

  test('a waiver that matches no failure is an error at its line', async () => {
    const dir = copyEnvironments();
    edit(
      dir,
      'production.yaml',
      (t) =>
        `${t}policy:\n  waivers:\n    - rule: privilege-escalation\n      object: Deployment/daemonprod-reaper\n      reason: left over from an older image that needed it\n`,
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
    let r = await run(['validate', '--environments', dir, '--env', 'production']);
    expect(r.code).toBe(0);
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
    const waiver = {
      rule: 'rule: privilege-escalation',
      object: 'object: Deployment/serverint-rucio-server',
      reason: 'reason: a reason long enough to be read',
    };
    const key = line.split(':')[0] as keyof typeof waiver;
    const block = { ...waiver, [key]: line };
    edit(
      dir,
      'integration.yaml',
      (t) => `${t}policy:\n  waivers:\n    - ${block.rule}\n      ${block.object}\n      ${block.reason}\n`,
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
      /declared by components \(\d+\):\n[^]*no-probe-signal rucio-daemons {2}on 15 objects, first Deployment\/daemonprod-conveyor-finisher {2}\(dist\/apps\/production\/daemonprod\/Deployment\.daemonprod-conveyor-finisher\.k8s\.yaml\)\n/,
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
