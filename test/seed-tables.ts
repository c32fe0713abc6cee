/**
 * The pod tables of the seed talk ("Moving Rucio to Production in Kubernetes"): the deployment the bundled
 * environments reproduce. Deployment name (pod name without the hash; reaper2 is today's reaper), pods, CPU request
 * and limit in cores.
 */
export interface SeedRow {
  readonly deployment: string;
  readonly pods: number;
  readonly cpuRequest: number;
  readonly cpuLimit: number;
}

export const INTEGRATION: readonly SeedRow[] = [
  { deployment: 'daemonint-conveyor-finisher', pods: 1, cpuRequest: 0.7, cpuLimit: 1.2 },
  { deployment: 'daemonint-conveyor-poller', pods: 1, cpuRequest: 0.2, cpuLimit: 0.5 },
  { deployment: 'daemonint-conveyor-receiver', pods: 1, cpuRequest: 0.2, cpuLimit: 0.5 },
  { deployment: 'daemonint-conveyor-submitter', pods: 1, cpuRequest: 0.7, cpuLimit: 1.0 },
  { deployment: 'daemonint-conveyor-throttler', pods: 1, cpuRequest: 0.1, cpuLimit: 0.5 },
  { deployment: 'daemonint-hermes', pods: 1, cpuRequest: 0.05, cpuLimit: 0.2 },
  { deployment: 'daemonint-judge-cleaner', pods: 1, cpuRequest: 0.05, cpuLimit: 0.1 },
  { deployment: 'daemonint-judge-evaluator', pods: 1, cpuRequest: 0.05, cpuLimit: 0.2 },
  { deployment: 'daemonint-judge-repairer', pods: 1, cpuRequest: 0.05, cpuLimit: 0.2 },
  { deployment: 'daemonint-minos', pods: 1, cpuRequest: 0.1, cpuLimit: 0.2 },
  { deployment: 'daemonint-minos-temporary-expiration', pods: 1, cpuRequest: 0.1, cpuLimit: 0.2 },
  { deployment: 'daemonint-reaper', pods: 1, cpuRequest: 1.2, cpuLimit: 2.0 },
  { deployment: 'daemonint-tracer-kronos', pods: 1, cpuRequest: 0.5, cpuLimit: 1.2 },
  { deployment: 'daemonint-transmogrifier', pods: 1, cpuRequest: 0.1, cpuLimit: 0.7 },
  { deployment: 'daemonint-undertaker', pods: 1, cpuRequest: 0.2, cpuLimit: 0.7 },
  { deployment: 'daemonintpy3-conveyor-finisher', pods: 1, cpuRequest: 0.7, cpuLimit: 1.2 },
  { deployment: 'daemonintpy3-conveyor-poller', pods: 1, cpuRequest: 0.1, cpuLimit: 0.5 },
  { deployment: 'daemonintpy3-conveyor-receiver', pods: 1, cpuRequest: 0.2, cpuLimit: 0.5 },
  { deployment: 'daemonintpy3-conveyor-submitter', pods: 1, cpuRequest: 0.7, cpuLimit: 0.7 },
  { deployment: 'daemonintpy3-hermes', pods: 1, cpuRequest: 0.05, cpuLimit: 0.2 },
  { deployment: 'daemonintpy3-judge-cleaner', pods: 1, cpuRequest: 0.05, cpuLimit: 0.1 },
  { deployment: 'daemonintpy3-judge-evaluator', pods: 1, cpuRequest: 0.05, cpuLimit: 0.2 },
  { deployment: 'daemonintpy3-judge-repairer', pods: 1, cpuRequest: 0.05, cpuLimit: 0.2 },
  { deployment: 'daemonintpy3-minos', pods: 1, cpuRequest: 0.1, cpuLimit: 0.2 },
  { deployment: 'daemonintpy3-minos-temporary-expiration', pods: 1, cpuRequest: 0.1, cpuLimit: 0.2 },
  { deployment: 'daemonintpy3-undertaker', pods: 1, cpuRequest: 0.2, cpuLimit: 0.7 },
  { deployment: 'serverint-rucio-server', pods: 2, cpuRequest: 0.75, cpuLimit: 2.0 },
];

export const PRODUCTION: readonly SeedRow[] = [
  { deployment: 'daemonprod-conveyor-finisher', pods: 2, cpuRequest: 1.0, cpuLimit: 1.5 },
  { deployment: 'daemonprod-conveyor-poller', pods: 2, cpuRequest: 1.0, cpuLimit: 1.5 },
  { deployment: 'daemonprod-conveyor-receiver', pods: 1, cpuRequest: 0.2, cpuLimit: 0.7 },
  { deployment: 'daemonprod-conveyor-submitter', pods: 2, cpuRequest: 1.0, cpuLimit: 1.5 },
  { deployment: 'daemonprod-conveyor-throttler', pods: 1, cpuRequest: 0.2, cpuLimit: 0.7 },
  { deployment: 'daemonprod-hermes', pods: 2, cpuRequest: 0.1, cpuLimit: 0.3 },
  { deployment: 'daemonprod-judge-cleaner', pods: 2, cpuRequest: 0.2, cpuLimit: 1.0 },
  { deployment: 'daemonprod-judge-evaluator', pods: 2, cpuRequest: 0.2, cpuLimit: 1.0 },
  { deployment: 'daemonprod-judge-repairer', pods: 2, cpuRequest: 0.2, cpuLimit: 0.7 },
  { deployment: 'daemonprod-minos', pods: 1, cpuRequest: 0.1, cpuLimit: 0.7 },
  { deployment: 'daemonprod-minos-temporary-expiration', pods: 1, cpuRequest: 0.1, cpuLimit: 0.3 },
  { deployment: 'daemonprod-reaper', pods: 2, cpuRequest: 1.2, cpuLimit: 2.5 },
  { deployment: 'daemonprod-tracer-kronos', pods: 1, cpuRequest: 0.5, cpuLimit: 1.2 },
  { deployment: 'daemonprod-transmogrifier', pods: 1, cpuRequest: 0.1, cpuLimit: 0.7 },
  { deployment: 'daemonprod-undertaker', pods: 1, cpuRequest: 0.2, cpuLimit: 1.0 },
];

/** A Kubernetes CPU quantity in cores. */
export function cores(q: string | number): number {
  if (typeof q === 'number') return q;
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q);
}
