/**
 * What an environment's components see while they are built (render.ts runs them in order): a module of its own, so
 * that the component modules (infrastructure.ts, monitoring.ts) and render.ts, which registers them, do not import
 * each other.
 */
import type { App, Chart } from 'cdk8s';
import type { RucioDaemons } from '../../constructs/rucio/rucio-daemons.js';
import type { RucioServer } from '../../constructs/rucio/rucio-server.js';
import type { RucioWebui } from '../../constructs/rucio/rucio-webui.js';
import type { LoadedEnvironment } from '../load/environments.js';

/** Labels every object of an environment carries. */
export function commonLabels(env: LoadedEnvironment, instance: string): Record<string, string> {
  return {
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/managed-by': 'rucio-gitops',
    'app.kubernetes.io/part-of': 'rucio',
    'rucio-gitops/environment': env.name,
  };
}

/** What an environment's components can see of each other while they are built. */
export interface BuildContext {
  readonly app: App;
  readonly env: LoadedEnvironment;
  /** The server releases built so far, by release name. */
  readonly servers: Map<string, RucioServer>;
  /** The daemons releases built so far, by release name. */
  readonly daemons: Map<string, RucioDaemons>;
  /** The WebUI releases built so far, by release name. */
  readonly webui: Map<string, RucioWebui>;
  /** A new chart in the environment's namespace (or another), for one output folder. */
  chart(folder: string, instance: string, namespace?: string): Chart;
  /** A file that is not a Kubernetes object (a plain haproxy.cfg), written into an output folder. */
  file(folder: string, name: string, text: string): void;
  /** The output folders that have charts so far (so a later component can refer to them). */
  folders(): string[];
}

/**
 * A component of an environment: builds its charts in the context. Components run in the order of `COMPONENTS`, so a
 * later one may refer to what an earlier one built.
 */
export type Component = (ctx: BuildContext) => void;
