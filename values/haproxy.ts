/**
 * Values of HAProxy in front of the Rucio servers: the seed keeps its own HAProxy on VMs and moves load to Kubernetes
 * step by step, so one `haproxy.cfg` is rendered for both the in-cluster Deployment and the operators' VMs.
 *
 * A frontend forwards one port to one backend whose servers are either a server release of this environment (its
 * Service) or an existing VM server, each with a relative weight: `serverint` at 5 next to VMs summing 95 is "5% to
 * Kubernetes", and a later commit says 50.
 */
import { z } from 'zod';
import { annotationMap } from './kubernetes.js';
import { dnsLabel, pinnedImage, resources } from './common.js';
import { IMAGES } from './images.js';

const port = z.number().int().min(1).max(65535);

/** A host name of a VM server (no scheme, no port). */
export const hostName = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'expected a host name such as rucio-server-01.example.org (no scheme, no port)',
  )
  .max(253);

/** Defaults of HAProxy, in one place. */
export const HAPROXY_DEFAULTS = {
  inCluster: true,
  replicas: 2,
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  maxconn: 4096,
  statsPort: 8404,
  log: 'stdout format raw local0',
  timeouts: { connectSeconds: 5, clientSeconds: 300, serverSeconds: 300, checkSeconds: 5 },
  check: { intervalSeconds: 5, rise: 2, fall: 3 },
  mode: 'tcp',
  balance: 'roundrobin',
  weight: 1,
  externalTrafficPolicy: 'Local',
} as const;

/**
 * One server of a backend: `release` (a server release of this environment, reached at its Service) or `host` (a VM
 * server). Weights are relative within the frontend (HAProxy's 0..256); 0 drains a server without removing it.
 */
export const haproxyServerSchema = z
  .strictObject({
    /** A release of this environment (a server release, or a WebUI release on a `serves: webui` frontend): traffic goes to its Service. */
    release: dnsLabel.optional(),
    /**
     * Where the release's Service is reached; default its `service.loadBalancerIP` (reachable from the VMs too), else
     * the cluster DNS name `<fullname>.<namespace>.svc.cluster.local`.
     */
    address: z.union([z.ipv4(), hostName]).optional(),
    /** A VM server, by host name. */
    host: hostName.optional(),
    /** The server's port; default the release's Service port, or the frontend's port for a VM. */
    port: port.optional(),
    /**
     * Where `GET /ping` is checked. Default for a VM: its health vhost (444 with TLS, 81 without); for a release: its
     * Service port (the Service exposes no other), speaking the PROXY protocol when the frontend sends it.
     */
    healthPort: port.optional(),
    /** Whether the server speaks TLS (checks use TLS then); default the release's `useSSL`, or `true` for a VM in tcp mode. */
    tls: z.boolean().optional(),
    /** Relative share of the traffic, 0..256. */
    weight: z.number().int().min(0).max(256).default(HAPROXY_DEFAULTS.weight),
  })
  .superRefine((s, ctx) => {
    if ((s.release === undefined) === (s.host === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'set exactly one of release (a server release of this environment) and host (a VM server)',
      });
    }
    if (s.address !== undefined && s.release === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['address'],
        message: 'address is only for a release entry; a VM server is named by host',
      });
    }
  });
export type HaproxyServerValues = z.infer<typeof haproxyServerSchema>;

/** One frontend and its backend. */
export const haproxyFrontendSchema = z.strictObject({
  /** The port HAProxy listens on (on the VMs and on the LoadBalancer Service). */
  port,
  /**
   * `tcp`: TLS passes through to httpd, so X.509 client certificates reach Rucio (required for a `useSSL` release);
   * `http`: HAProxy speaks HTTP to plain-HTTP servers (trace servers).
   */
  mode: z.enum(['tcp', 'http']).default(HAPROXY_DEFAULTS.mode),
  /** Send the PROXY protocol (v2) to the servers, so httpd logs the client's address; the releases must enable it. */
  proxyProtocol: z.boolean().default(false),
  /**
   * What the backend's servers are: Rucio `server`s (a `release` is a server release; health check `GET /ping` on the
   * health vhost) or the `webui` (a `release` is a WebUI release; health check `GET /` on the serving port, any 2xx or
   * 3xx, since the WebUI redirects to its login page).
   */
  serves: z
    .enum(['server', 'webui'])
    .default('server')
    .describe('What the servers are: Rucio servers (GET /ping) or the WebUI (GET /, 2xx or 3xx)'),
  balance: z.enum(['roundrobin', 'leastconn', 'source']).default(HAPROXY_DEFAULTS.balance),
  servers: z.array(haproxyServerSchema).min(1, 'expected at least one server'),
});
export type HaproxyFrontendValues = z.infer<typeof haproxyFrontendSchema>;

/** HAProxy. */
export const haproxySchema = z
  .strictObject({
    /** Run HAProxy in the cluster too (Deployment, ConfigMap, LoadBalancer Service); the VM `haproxy.cfg` is always written. */
    inCluster: z.boolean().default(HAPROXY_DEFAULTS.inCluster),
    /** Pods of the in-cluster HAProxy, spread over nodes; at least two so a node can drain. */
    replicas: z.number().int().min(2).max(20).default(HAPROXY_DEFAULTS.replicas),
    image: pinnedImage(IMAGES.haproxy),
    resources: resources.default(HAPROXY_DEFAULTS.resources),
    service: z
      .strictObject({
        /** A fixed virtual IP for the LoadBalancer Service. */
        loadBalancerIP: z.ipv4().optional(),
        externalTrafficPolicy: z.enum(['Cluster', 'Local']).default(HAPROXY_DEFAULTS.externalTrafficPolicy),
        annotations: annotationMap.default({}),
      })
      .prefault({}),
    /** `global maxconn`. */
    maxconn: z.number().int().min(1).max(1_000_000).default(HAPROXY_DEFAULTS.maxconn),
    /** Stats page (`/stats`), Prometheus metrics (`/metrics`) and the liveness URI (`/healthz`). */
    statsPort: port.default(HAPROXY_DEFAULTS.statsPort),
    /** `global log` target. */
    log: z
      .string()
      .regex(
        /^[\x21-\x7e]+( [\x21-\x7e]+)*$/,
        'expected the words of an haproxy `log` line, separated by single spaces',
      )
      .default(HAPROXY_DEFAULTS.log),
    timeouts: z
      .strictObject({
        connectSeconds: z.number().int().min(1).default(HAPROXY_DEFAULTS.timeouts.connectSeconds),
        clientSeconds: z.number().int().min(1).default(HAPROXY_DEFAULTS.timeouts.clientSeconds),
        serverSeconds: z.number().int().min(1).default(HAPROXY_DEFAULTS.timeouts.serverSeconds),
        checkSeconds: z.number().int().min(1).default(HAPROXY_DEFAULTS.timeouts.checkSeconds),
      })
      .prefault({}),
    /** Health checks: interval and how many results flip a server up or down. */
    check: z
      .strictObject({
        intervalSeconds: z.number().int().min(1).default(HAPROXY_DEFAULTS.check.intervalSeconds),
        rise: z.number().int().min(1).default(HAPROXY_DEFAULTS.check.rise),
        fall: z.number().int().min(1).default(HAPROXY_DEFAULTS.check.fall),
      })
      .prefault({}),
    /** Frontends by name (`api`, `auth`, `trace`); the name is also the container port's name, so at most 15 characters. */
    frontends: z.record(
      z
        .string()
        .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'expected a short lowercase name such as api, auth or trace')
        .max(15)
        .refine((n) => n !== 'stats', { message: "'stats' is HAProxy's own stats frontend: choose another name" }),
      haproxyFrontendSchema,
    ),
  })
  .superRefine((h, ctx) => {
    const ports = new Map<number, string>();
    for (const [name, fe] of Object.entries(h.frontends)) {
      const other = ports.get(fe.port);
      if (other !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['frontends', name, 'port'],
          message: `port ${fe.port} is already used by frontend '${other}': give each frontend its own port`,
        });
      if (fe.port === h.statsPort)
        ctx.addIssue({
          code: 'custom',
          path: ['frontends', name, 'port'],
          message: `port ${fe.port} is the stats port: choose another`,
        });
      ports.set(fe.port, name);
      if (fe.servers.length > 0 && fe.servers.every((s) => s.weight === 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['frontends', name, 'servers'],
          message:
            'every server has weight 0, so no request would be served: give at least one server a weight above 0',
        });
      }
      const names = new Set<string>();
      fe.servers.forEach((s, i) => {
        if (fe.mode === 'http' && s.tls === true) {
          ctx.addIssue({
            code: 'custom',
            path: ['frontends', name, 'servers', i, 'tls'],
            message:
              'an http frontend speaks plain HTTP to its servers: use mode tcp to pass TLS through, or a server without TLS',
          });
        }
        const id = s.release ?? s.host ?? '';
        if (names.has(id))
          ctx.addIssue({
            code: 'custom',
            path: ['frontends', name, 'servers', i],
            message: `'${id}' is listed twice in this frontend: merge the entries`,
          });
        names.add(id);
      });
    }
  });

/** HAProxy values, fully defaulted. */
export type HaproxyValues = z.infer<typeof haproxySchema>;

/** What the cross-checks need of a server release. */
interface ServerRef {
  readonly useSSL: boolean;
  readonly httpd_config: { readonly proxy_protocol_enabled?: string | undefined };
}

/** What the cross-checks need of a WebUI release. */
interface WebuiRef {
  readonly useSSL: boolean;
}

/** Whether a release's httpd expects the PROXY protocol on its main port. */
export function releaseExpectsProxy(server: ServerRef): boolean {
  return /^(true|1|yes|on)$/i.test(server.httpd_config.proxy_protocol_enabled ?? '');
}

/**
 * Checks HAProxy against the server releases: every `release` exists; a `useSSL` release sits behind a tcp frontend
 * (X.509 must reach httpd); the PROXY protocol is sent exactly when the release expects it. Issues carry the path to
 * edit, below `haproxy`.
 */
export function checkHaproxyReleases(
  haproxy: HaproxyValues,
  servers: Readonly<Record<string, ServerRef>>,
  webui: Readonly<Record<string, WebuiRef>>,
  addIssue: (path: (string | number)[], message: string) => void,
): void {
  const known = Object.keys(servers).sort();
  const knownWebui = Object.keys(webui).sort();
  for (const name of Object.keys(haproxy.frontends).sort()) {
    const fe = haproxy.frontends[name]!;
    if (fe.serves === 'webui') {
      if (fe.proxyProtocol)
        addIssue(
          ['haproxy', 'frontends', name, 'proxyProtocol'],
          'the WebUI image does not accept the PROXY protocol: set proxyProtocol: false on a webui frontend',
        );
      fe.servers.forEach((s, i) => {
        if (s.release === undefined) return;
        const release = webui[s.release];
        if (release === undefined) {
          const also = s.release in servers ? ` ('${s.release}' is a server release: set serves: server)` : '';
          addIssue(
            ['haproxy', 'frontends', name, 'servers', i, 'release'],
            `no WebUI release '${s.release}' in this environment${also}; WebUI releases are: ${knownWebui.length > 0 ? knownWebui.join(', ') : '(none: use host for a VM)'}`,
          );
          return;
        }
        if (release.useSSL && fe.mode === 'http') {
          addIssue(
            ['haproxy', 'frontends', name, 'mode'],
            `WebUI release '${s.release}' serves HTTPS (useSSL): use mode tcp (TLS passthrough), or useSSL: false`,
          );
        }
      });
      continue;
    }
    fe.servers.forEach((s, i) => {
      if (s.release === undefined) return;
      const at = ['haproxy', 'frontends', name, 'servers', i, 'release'];
      const server = servers[s.release];
      if (server === undefined) {
        const also = s.release in webui ? ` ('${s.release}' is a WebUI release: set serves: webui)` : '';
        addIssue(
          at,
          `no server release '${s.release}' in this environment${also}; server releases are: ${known.length > 0 ? known.join(', ') : '(none: use host for a VM server)'}`,
        );
        return;
      }
      if (server.useSSL && fe.mode === 'http') {
        addIssue(
          ['haproxy', 'frontends', name, 'mode'],
          `release '${s.release}' serves HTTPS (useSSL) and needs X.509 client certificates to reach httpd: use mode tcp (TLS passthrough)`,
        );
      }
      const expects = releaseExpectsProxy(server);
      if (fe.proxyProtocol && !expects) {
        addIssue(
          ['haproxy', 'frontends', name, 'proxyProtocol'],
          `HAProxy sends the PROXY protocol but release '${s.release}' does not accept it: set servers.${s.release}.httpd_config.proxy_protocol_enabled: true, or proxyProtocol: false`,
        );
      }
      if (!fe.proxyProtocol && expects) {
        addIssue(
          ['haproxy', 'frontends', name, 'proxyProtocol'],
          `release '${s.release}' expects the PROXY protocol (httpd_config.proxy_protocol_enabled) but HAProxy does not send it: set proxyProtocol: true`,
        );
      }
    });
  }
}
