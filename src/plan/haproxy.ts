/**
 * The haproxy.cfg model of an environment: its `haproxy` values resolved against the planned server releases
 * (addresses, ports, health-check ports, TLS). `constructs/haproxy/` renders it.
 */
import type { HaproxyCfgFrontend, HaproxyCfgModel, HaproxyCfgServer } from '../../constructs/haproxy/haproxy-config.js';
import type { HaproxyValues } from '../../values/haproxy.js';
import { ValuesError } from './errors.js';

/** What the model needs of a server release. */
export interface HaproxyReleaseRef {
  /** The Service's name. */
  readonly fullname: string;
  readonly servicePort: number;
  readonly useSSL: boolean;
  /** The LoadBalancer's fixed IP, when the Service has one. */
  readonly loadBalancerIP?: string;
  readonly replicaCount: number;
}

/**
 * Resolves the values against the server releases: addresses, ports, health-check ports and TLS. Throws a
 * `ValuesError` at the key to edit when a release cannot receive traffic.
 */
export function haproxyModel(
  values: HaproxyValues,
  releases: ReadonlyMap<string, HaproxyReleaseRef>,
  namespace: string,
  header: readonly string[] = [],
  webuiReleases: ReadonlyMap<string, HaproxyReleaseRef> = new Map(),
): HaproxyCfgModel {
  const frontends: HaproxyCfgFrontend[] = [];
  for (const name of Object.keys(values.frontends).sort()) {
    const fe = values.frontends[name]!;
    const webui = fe.serves === 'webui';
    const servers = fe.servers.map((s, i): HaproxyCfgServer => {
      if (s.release !== undefined) {
        const ref = (webui ? webuiReleases : releases).get(s.release);
        if (ref === undefined)
          throw new ValuesError(
            ['haproxy', 'frontends', name, 'servers', i, 'release'],
            `no ${webui ? 'WebUI' : 'server'} release '${s.release}' in this environment`,
          );
        if (ref.replicaCount === 0 && s.weight > 0) {
          throw new ValuesError(
            ['haproxy', 'frontends', name, 'servers', i, 'weight'],
            `release '${s.release}' has replicaCount 0 and no Service: set its weight to 0 or remove it from the backend`,
          );
        }
        const address = s.address ?? ref.loadBalancerIP ?? `${ref.fullname}.${namespace}.svc.cluster.local`;
        const tls = s.tls ?? ref.useSSL;
        return {
          name: s.release,
          address,
          port: s.port ?? ref.servicePort,
          weight: s.weight,
          tls,
          ...(s.healthPort !== undefined ? { checkPort: s.healthPort } : {}),
          checkSendProxy: fe.proxyProtocol && s.healthPort === undefined,
        };
      }
      const tls = s.tls ?? fe.mode === 'tcp';
      const port = s.port ?? fe.port;
      return {
        name: s.host!,
        address: s.host!,
        port,
        weight: s.weight,
        tls,
        // A Rucio server's health vhost (81 plain, 444 TLS) never speaks the PROXY protocol; the WebUI has no health
        // vhost and is checked where it serves.
        ...(webui
          ? s.healthPort !== undefined
            ? { checkPort: s.healthPort }
            : {}
          : { checkPort: s.healthPort ?? (tls ? 444 : 81) }),
        checkSendProxy: false,
      };
    });
    frontends.push({
      name,
      bindAddress: '',
      port: fe.port,
      mode: fe.mode,
      balance: fe.balance,
      proxyProtocol: fe.proxyProtocol,
      check: webui ? { path: '/', expectStatus: '200-399' } : { path: '/ping', expectStatus: '200' },
      servers,
    });
  }
  return {
    header,
    maxconn: values.maxconn,
    log: values.log,
    statsBindAddress: '',
    statsPort: values.statsPort,
    timeouts: values.timeouts,
    check: values.check,
    frontends,
  };
}
