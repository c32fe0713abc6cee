/**
 * `kubeObject` (constructs/shared/objects.ts) makes its objects with a `toJson` of its own that skips cdk8s's
 * resolution of tokens, which plain JSON cannot hold. It must give what cdk8s's `ApiObject.toJson` gives, for every
 * object we render: the bundled environments, the HelmRelease fixtures (JSON patches that add nulls), the WebUI and a
 * large generated environment. Each is rendered twice, with our `toJson` and with cdk8s's own, and the objects and
 * their YAML text must be equal. A cdk8s upgrade that changes its `toJson` fails here.
 */
import { join } from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOneEnvironment } from '../../bench/generate.js';
import { kubeObject } from '../../constructs/shared/objects.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { objectText } from '../../src/synth/object-text.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { cleanup, ENVIRONMENTS, REPO, tempDir } from '../helpers.js';

afterAll(cleanup);

/** The prototype whose `toJson` kubeObject's objects use. */
const plainPrototype = Object.getPrototypeOf(
  kubeObject(new Chart(new App({ outdir: '/nonexistent' }), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap' }),
) as { toJson: () => unknown };

/** Every rendered file: path, object and YAML text. */
function render(dir: string) {
  return renderEnvironments(loadEnvironments(dir)).map((f) => ({
    path: f.path,
    object: f.object,
    text: f.object ? objectText(f.object) : f.text,
  }));
}

/** The same, with cdk8s's own `ApiObject.toJson` in place of ours. */
function renderWithCdk8s(dir: string) {
  const ours = plainPrototype.toJson;
  expect(ours).not.toBe(ApiObject.prototype.toJson);
  plainPrototype.toJson = ApiObject.prototype.toJson;
  try {
    return render(dir);
  } finally {
    plainPrototype.toJson = ours;
  }
}

describe("kubeObject's toJson gives what cdk8s's ApiObject.toJson gives", () => {
  const large = () => {
    const dir = join(tempDir(), 'large');
    writeOneEnvironment(dir, 3);
    return dir;
  };
  for (const [name, dir] of [
    ['the bundled environments', () => ENVIRONMENTS],
    ['output: helmrelease (JSON patches)', () => join(REPO, 'test/fixtures/helmrelease')],
    ['a WebUI HelmRelease', () => join(REPO, 'test/fixtures/helmrelease-webui')],
    ['a generated environment of 3 daemons releases', large],
  ] as const) {
    it(name, () => {
      const ours = render(dir());
      expect(ours.filter((f) => f.object).length).toBeGreaterThan(5);
      if (name.includes('HelmRelease') || name.includes('helmrelease'))
        expect(ours.some((f) => f.object?.kind === 'HelmRelease')).toBe(true);
      expect(renderWithCdk8s(dir())).toEqual(ours);
    });
  }

  it('with CDK8S_DISABLE_SORT set, as cdk8s reads it (keys in the order written)', () => {
    const sorted = render(ENVIRONMENTS);
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      const ours = render(ENVIRONMENTS);
      expect(renderWithCdk8s(ENVIRONMENTS)).toEqual(ours);
      // The setting took effect: some file's keys come in another order.
      expect(ours.map((f) => f.text)).not.toEqual(sorted.map((f) => f.text));
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
  });

  it('and refuses what is not plain JSON, as cdk8s does', () => {
    const chart = new Chart(new App({ outdir: '/nonexistent' }), 'c');
    const o = kubeObject<{ apiVersion: string; kind: string; data: Map<string, string> }>(chart, 'o', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      data: new Map(),
    });
    expect(() => o.toJson()).toThrow(
      /Failed serializing construct at path 'c\/o' with name .*can't render non-simple object of type 'Map'/,
    );
  });
});
