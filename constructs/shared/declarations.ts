/**
 * What a component declares about its workload for the policy pack (`src/checks/policy.ts`): the hostPath volumes it
 * needs (filebeat reads the node's logs), the containers whose image offers no health signal for probes, and the
 * containers whose image must run as root or write its root file system (the Rucio, probes and filebeat images), each
 * with the reason. Declarations are annotations on the workload's metadata, so they are reviewed in the construct's
 * code and visible in `dist/`; synth lists them. An environment waives only what it chose, never what an image needs.
 */

import { DECLARATION_PREFIX } from '../../values/policy.js';

export { DECLARATION_PREFIX };

/** What a component may declare. */
export type Declaration = 'host-path' | 'no-probe-signal' | 'runs-as-root' | 'writable-root-fs';

/** The suffix of the annotation that carries a declaration's reason (`policy.rucio-gitops/runs-as-root.reason`). */
export const REASON_SUFFIX = '.reason';

/** The annotation declaring `what` for the named volumes or containers; merge it into `metadata.annotations`. */
export function declare(what: 'host-path' | 'no-probe-signal', names: readonly string[]): Record<string, string>;
/** An image's need, with the reason a reviewer can check (required: the need is about the image, not a choice). */
export function declare(
  what: 'runs-as-root' | 'writable-root-fs',
  names: readonly string[],
  reason: string,
): Record<string, string>;
export function declare(what: Declaration, names: readonly string[], reason?: string): Record<string, string> {
  return {
    [`${DECLARATION_PREFIX}${what}`]: [...new Set(names)].sort().join(','),
    ...(reason === undefined ? {} : { [`${DECLARATION_PREFIX}${what}${REASON_SUFFIX}`]: reason }),
  };
}

/** Why an image runs as root and writes its root file system. */
export interface ImageNeeds {
  readonly root: string;
  readonly writableRoot: string;
}

/** Both declarations of an image that runs as root and writes its root file system, for the named containers. */
export function declareImageNeeds(containers: readonly string[], needs: ImageNeeds): Record<string, string> {
  return {
    ...declare('runs-as-root', containers, needs.root),
    ...declare('writable-root-fs', containers, needs.writableRoot),
  };
}

/** The images of the Rucio releases and components that cannot run otherwise (from their entrypoints). */
export const IMAGE_NEEDS = {
  server: {
    root: 'httpd binds ports 80 and 443 and the entrypoint merges conf.d into /opt/rucio/etc as root; the rucio-server image has no non-root mode',
    writableRoot:
      'the entrypoint renders rucio.cfg and httpd configs into /opt/rucio/etc and /etc/httpd at start, and httpd writes its pid and logs under /run and /var/log',
  },
  daemons: {
    root: 'the rucio-daemons image runs its entrypoint as root to merge conf.d into /opt/rucio/etc before starting the daemon',
    writableRoot:
      'the entrypoint writes the merged rucio.cfg into /opt/rucio/etc, and daemons write temporary files (proxies, downloads) under /tmp',
  },
  webui: {
    root: 'the rucio-webui image runs httpd on ports 80 and 443 and renders its configs and the WebUI .env at start as root',
    writableRoot:
      "the entrypoint writes httpd configs under /etc/httpd and the WebUI's .env, and pm2 writes under /root/.pm2",
  },
  probes: {
    root: 'the rucio/probes image merges rucio.cfg into /opt/rucio/etc and starts crond, which needs root to switch to the job user',
    writableRoot: 'the entrypoint writes rucio.cfg into /opt/rucio/etc and crond writes its pid and spool files',
  },
  ftsRenewal: {
    root: 'the rucio/fts-cron image runs its renewal script as root: it writes the robot key and the proxy under /opt/rucio and /tmp with root-only permissions',
    writableRoot:
      'the renewal script writes the VOMS proxy and the delegation state into the image (/tmp, /opt/rucio/etc) before patching the Secrets',
  },
  filebeat: {
    root: 'filebeat reads the container logs under /var/log/containers and /var/log/pods, which only root may read on the nodes',
    writableRoot:
      'filebeat writes its own logs and lock files under /usr/share/filebeat beside the registry; not tested read-only yet',
  },
} as const satisfies Record<string, ImageNeeds>;
