/**
 * What a component declares about its workload for the policy pack (`src/checks/policy.ts`): the hostPath volumes it
 * needs (filebeat reads the node's logs) and the containers whose image offers no health signal for probes.
 * Declarations are annotations on the workload's metadata, so they are reviewed in the construct's code and visible
 * in `dist/`; synth lists them.
 */

import { DECLARATION_PREFIX } from '../../values/policy.js';

export { DECLARATION_PREFIX };

/** What a component may declare. */
export type Declaration = 'host-path' | 'no-probe-signal';

/** The annotation declaring `what` for the named volumes or containers; merge it into `metadata.annotations`. */
export function declare(what: Declaration, names: readonly string[]): Record<string, string> {
  return { [`${DECLARATION_PREFIX}${what}`]: [...new Set(names)].sort().join(',') };
}
