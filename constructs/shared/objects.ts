/**
 * Typed Kubernetes objects: every object the constructs write is declared with its kubernetes-models interface
 * (`IDeployment`, `IConfigMap`, `IScaledObject`, …), so the compiler checks every field, and handed to cdk8s as the
 * plain JSON it synthesizes (no class instances, no casts).
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

/** What every kubernetes-models object interface has. */
interface KubeModel {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * A Kubernetes object in `scope`, written exactly as given. The type argument is required
 * (`kubeObject<IConfigMap>(this, 'Config', {…})`): the object literal is checked against it, a misspelt field included.
 */
export function kubeObject<T extends KubeModel>(scope: Construct, id: string, object: NoInfer<T>): ApiObject {
  return new ApiObject(scope, id, object);
}
