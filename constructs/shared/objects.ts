/**
 * Typed Kubernetes objects: every object the constructs write is declared with its kubernetes-models interface
 * (`IDeployment`, `IConfigMap`, `IScaledObject`, …), so the compiler checks every field, and handed to cdk8s as the
 * plain JSON it synthesizes (no class instances, no casts).
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';

/** What every kubernetes-models object interface has. */
interface KubeModel {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * A copy of plain JSON as cdk8s's `ApiObject.toJson` sanitizes it: keys sorted at every level (unless
 * `CDK8S_DISABLE_SORT` is set, as cdk8s reads it), null and undefined values of a map left out (and of a list made
 * undefined), anything but plain maps, lists and scalars refused.
 */
function sanitized(value: unknown, sort: boolean): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => sanitized(v, sort));
  if (value.constructor.name !== 'Object')
    throw new Error(`can't render non-simple object of type '${value.constructor.name}'`);
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  if (sort) keys.sort();
  for (const k of keys) {
    const v = sanitized((value as Record<string, unknown>)[k], sort);
    if (v !== null && v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * An ApiObject made from plain JSON. cdk8s's `toJson` first resolves every value of the object (for tokens and lazy
 * values, which plain JSON cannot hold): a context object, three resolvers and a walk up the construct tree to the App
 * for each value, about a sixth of rendering at 200 releases in one environment. This `toJson` does everything else
 * `ApiObject.toJson` does, in the same order: the metadata as cdk8s makes it, the copy sanitized (`sanitized`), the
 * JSON patches applied, `apiVersion`, `kind` and `metadata` first. test/constructs/plain-object.test.ts compares it
 * with cdk8s's own for every object of the bundled environments and of a large one.
 */
class PlainApiObject extends ApiObject {
  private readonly jsonPatches: JsonPatch[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly plain: KubeModel,
  ) {
    super(scope, id, plain);
  }

  override addJsonPatch(...ops: JsonPatch[]): void {
    super.addJsonPatch(...ops);
    this.jsonPatches.push(...ops);
  }

  override toJson(): unknown {
    try {
      const metadata: unknown = this.metadata.toJson();
      const data = { ...this.plain, metadata };
      const json = sanitized(data, !process.env.CDK8S_DISABLE_SORT);
      const patched = JsonPatch.apply(json, ...this.jsonPatches) as Record<string, unknown>;
      const result: Record<string, unknown> = {};
      for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)])
        if (k in patched) result[k] = patched[k];
      return result;
    } catch (e) {
      throw new Error(
        `Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${String(e)}`,
        {
          cause: e,
        },
      );
    }
  }
}

/**
 * A Kubernetes object in `scope`, written exactly as given. The type argument is required
 * (`kubeObject<IConfigMap>(this, 'Config', {…})`): the object literal is checked against it, a misspelt field included.
 */
export function kubeObject<T extends KubeModel>(scope: Construct, id: string, object: NoInfer<T>): ApiObject {
  return new PlainApiObject(scope, id, object);
}
