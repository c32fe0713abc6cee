import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  OBJECTS_PER_DAEMONS_RELEASE,
  OBJECTS_PER_SERVER_RELEASE,
  expectedDeployments,
  expectedReleaseObjects,
  writeLargeInstance,
  writeScaledEnvironments,
  type LargeInstanceSize,
} from '../../bench/generate.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { type RenderedFile } from '../../src/synth/files.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { DAEMONS } from '../../values/rucio-daemon-table.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'bench-gen-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const objects = (files: readonly RenderedFile[], under = '') =>
  files.filter((f) => f.path.startsWith(under) && f.path.endsWith('.k8s.yaml'));
const kind = (files: readonly RenderedFile[], k: string) =>
  objects(files).filter((f) => f.path.split('/').pop()!.startsWith(`${k}.`));

describe('large-instance generator', () => {
  it('counts objects per release from the daemon table', () => {
    expect(DAEMONS).toHaveLength(28);
    expect(OBJECTS_PER_DAEMONS_RELEASE).toBe(57);
    expect(expectedReleaseObjects({ environments: 20, daemonsReleases: 3, serverReleases: 3 })).toBe(
      20 * (3 * 57 + 3 * OBJECTS_PER_SERVER_RELEASE),
    );
  });

  for (const size of [
    { environments: 1, daemonsReleases: 1, serverReleases: 1 },
    { environments: 2, daemonsReleases: 2, serverReleases: 1 },
    { environments: 3, daemonsReleases: 1, serverReleases: 2 },
  ] satisfies LargeInstanceSize[]) {
    it(`writes valid environments whose releases render the expected objects (${JSON.stringify(size)})`, () => {
      const dir = tmp();
      const names = writeLargeInstance(dir, size);
      expect(readdirSync(dir).sort()).toEqual(['_shared.yaml', ...names.map((n) => `${n}.yaml`)].sort());
      const envs = loadEnvironments(dir); // throws a UserError listing every problem if a generated file is invalid
      expect(envs.map((e) => e.name)).toEqual(names);
      for (const env of envs) {
        expect(Object.keys(env.values.daemons)).toHaveLength(size.daemonsReleases);
        expect(Object.keys(env.values.servers)).toHaveLength(size.serverReleases);
      }
      const files = renderEnvironments(envs);
      expect(objects(files, 'apps/')).toHaveLength(expectedReleaseObjects(size));
      // The Rucio releases' Deployments (the Pushgateway of each environment has its own, under infrastructure/).
      expect(kind(files, 'Deployment').filter((f) => f.path.startsWith('apps/'))).toHaveLength(
        expectedDeployments(size),
      );
      expect(kind(files, 'Deployment').filter((f) => f.path.includes('/pushgateway/'))).toHaveLength(size.environments);
      // Every daemon of the table runs in every daemons release.
      const daemonDeployments = kind(files, 'Deployment').filter((f) => f.text.includes('RUCIO_DAEMON_ARGS'));
      expect(daemonDeployments).toHaveLength(size.environments * size.daemonsReleases * DAEMONS.length);
    });
  }
});

describe('scaled copies of the bundled environments', () => {
  it('copies every environment N times under new names, keeping the shared layers once', () => {
    const one = tmp();
    const three = tmp();
    const base = writeScaledEnvironments('environments', one, 1);
    const names = writeScaledEnvironments('environments', three, 3);
    expect(names).toHaveLength(3 * base.length);
    expect(new Set(names).size).toBe(names.length);
    const files1 = renderEnvironments(loadEnvironments(one));
    const files3 = renderEnvironments(loadEnvironments(three));
    expect(objects(files3)).toHaveLength(3 * objects(files1).length);
  });
});
