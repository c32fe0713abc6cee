/**
 * The `haproxy.cfg` of the HAProxy in front of the Rucio servers, as a pure function of a resolved model: the same
 * text runs in the cluster (ConfigMap) and on the operators' VMs (a plain file next to the manifests).
 *
 * - tcp frontends pass TLS through, so X.509 client certificates reach httpd; http frontends add X-Forwarded-For;
 * - every Rucio server backend checks `GET /ping` (on the health vhost of a VM, on the Service port of a release, with
 *   the PROXY protocol when the servers get it); a WebUI backend (`serves: webui`) checks `GET /` where it serves and
 *   accepts any 2xx or 3xx (the WebUI redirects to its login page);
 * - server addresses that are DNS names (cluster Services) resolve at run time through a `resolvers` section and
 *   start with `init-addr last,libc,none`, so `haproxy -c` accepts them on a machine that cannot resolve them;
 * - a `stats` frontend serves the stats page, Prometheus metrics and a monitor URI for the kubelet probes.
 */
import type { HaproxyValues } from '../../values/haproxy.js';
import { ValuesError } from '../shared/rucio-pod.js';

/** One server line, fully resolved. */
export interface HaproxyCfgServer {
  /** The server's name in HAProxy (the release, or the VM's host name). */
  readonly name: string;
  /** An IPv4 address or a DNS name. */
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  /** The server speaks TLS: health checks use TLS. */
  readonly tls: boolean;
  /** The port `/ping` is checked on, when not the server's port. */
  readonly checkPort?: number;
  /** Send the PROXY protocol on the checks as well (they hit the main port). */
  readonly checkSendProxy: boolean;
}

/** One frontend and its backend, fully resolved. */
export interface HaproxyCfgFrontend {
  readonly name: string;
  /** Bind address; empty for every address. */
  readonly bindAddress: string;
  readonly port: number;
  readonly mode: 'tcp' | 'http';
  readonly balance: 'roundrobin' | 'leastconn' | 'source';
  readonly proxyProtocol: boolean;
  /** The health check: `GET <path>`, expecting a status in `expectStatus` (`200`, or `200-399` for the WebUI). */
  readonly check: { readonly path: string; readonly expectStatus: string };
  readonly servers: readonly HaproxyCfgServer[];
}

/** Everything `renderHaproxyCfg` needs. */
export interface HaproxyCfgModel {
  /** The first lines, as `#` comments. */
  readonly header: readonly string[];
  readonly maxconn: number;
  readonly log: string;
  readonly statsBindAddress: string;
  readonly statsPort: number;
  readonly timeouts: HaproxyValues['timeouts'];
  readonly check: HaproxyValues['check'];
  readonly frontends: readonly HaproxyCfgFrontend[];
}

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

const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

/** Whether an address is a DNS name (resolved at run time) rather than an IPv4 address. */
export function isDnsName(address: string): boolean {
  return !IPV4.test(address);
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

/** The name of the `resolvers` section used for DNS server addresses. */
export const RESOLVERS = 'dns';

function serverLine(s: HaproxyCfgServer, proxy: boolean): string {
  const parts = [`server ${s.name} ${s.address}:${s.port}`, `weight ${s.weight}`, 'check'];
  if (s.checkPort !== undefined && s.checkPort !== s.port) parts.push(`port ${s.checkPort}`);
  if (s.tls) parts.push('check-ssl verify none');
  if (proxy) parts.push('send-proxy-v2');
  if (s.checkSendProxy) parts.push('check-send-proxy');
  if (isDnsName(s.address)) parts.push(`resolvers ${RESOLVERS} init-addr last,libc,none`);
  return parts.join(' ');
}

/** The text of `haproxy.cfg`. Deterministic: frontends are in the model's order, which `haproxyModel` sorts. */
export function renderHaproxyCfg(model: HaproxyCfgModel): string {
  const out: string[] = [...model.header.map((l) => (l === '' ? '#' : `# ${l}`)), ''];
  const section = (title: string, lines: readonly string[]) => out.push(title, ...lines.map((l) => `    ${l}`), '');
  section('global', [`log ${model.log}`, `maxconn ${model.maxconn}`, 'hard-stop-after 5m']);
  section('defaults', [
    'log global',
    'option dontlognull',
    `timeout connect ${model.timeouts.connectSeconds}s`,
    `timeout client ${model.timeouts.clientSeconds}s`,
    `timeout server ${model.timeouts.serverSeconds}s`,
    `timeout check ${model.timeouts.checkSeconds}s`,
    `default-server inter ${model.check.intervalSeconds}s rise ${model.check.rise} fall ${model.check.fall}`,
  ]);
  if (model.frontends.some((f) => f.servers.some((s) => isDnsName(s.address)))) {
    section(`resolvers ${RESOLVERS}`, [
      'parse-resolv-conf',
      'resolve_retries 3',
      'timeout resolve 1s',
      'timeout retry 1s',
      'hold valid 10s',
      'hold obsolete 30s',
      'accepted_payload_size 8192',
    ]);
  }
  section('frontend stats', [
    'mode http',
    `bind ${model.statsBindAddress}:${model.statsPort}`,
    'http-request use-service prometheus-exporter if { path /metrics }',
    'monitor-uri /healthz',
    'stats enable',
    'stats uri /stats',
    'stats refresh 10s',
    'no log',
  ]);
  for (const fe of model.frontends) {
    section(`frontend ${fe.name}`, [
      `mode ${fe.mode}`,
      `bind ${fe.bindAddress}:${fe.port}`,
      fe.mode === 'tcp' ? 'option tcplog' : 'option httplog',
      ...(fe.mode === 'http' ? ['option forwardfor'] : []),
      `default_backend ${fe.name}`,
    ]);
    section(`backend ${fe.name}`, [
      `mode ${fe.mode}`,
      `balance ${fe.balance}`,
      'option httpchk',
      `http-check send meth GET uri ${fe.check.path}`,
      `http-check expect status ${fe.check.expectStatus}`,
      ...fe.servers.map((s) => serverLine(s, fe.proxyProtocol)),
    ]);
  }
  return `${out.join('\n').trimEnd()}\n`;
}
