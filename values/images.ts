/**
 * Every container image the toolkit deploys, pinned in one place.
 *
 * A bump is a one-line diff here (and in the environment files that override a tag). No entry may use `latest` or
 * omit its tag: the policy checks refuse both.
 */
export const IMAGES = {
  /** The Rucio API/auth/trace server (httpd + mod_wsgi). */
  rucioServer: { repository: 'rucio/rucio-server', tag: 'release-36.2.0' },
  /** Every Rucio daemon; `RUCIO_DAEMON` chooses which one runs. */
  rucioDaemons: { repository: 'rucio/rucio-daemons', tag: 'release-36.2.0' },
  /** The FTS proxy renewal job (`ftsRenewal`). */
  ftsCron: { repository: 'rucio/fts-cron', tag: '36.2.0' },
  /** Tails httpd's global error log next to the server (`exposeErrorLogs`). */
  busybox: { repository: 'busybox', tag: '1.36.1' },
  /** Exports httpd's server-status as Prometheus metrics (`monitoring.enabled` on a server). */
  apacheExporter: { repository: 'quay.io/prometheuscommunity/apache-exporter', tag: 'v1.0.10' },
  /** Runs `kubectl rollout restart` for `automaticRestart`. */
  kubectl: { repository: 'bitnamilegacy/kubectl', tag: '1.29.4' },
  /** HAProxy in front of the servers (the official image; runs as the unprivileged `haproxy` user). */
  haproxy: { repository: 'haproxy', tag: '2.8.14' },
  /** The Prometheus Pushgateway the probes push to. */
  pushgateway: { repository: 'prom/pushgateway', tag: 'v1.11.0' },
  /** The Rucio WebUI (Next.js under pm2, behind httpd); versioned like Rucio, released separately. */
  rucioWebui: { repository: 'rucio/rucio-webui', tag: 'release-36.0.0' },
  /** The Rucio probes, run by cron. */
  rucioProbes: { repository: 'rucio/probes', tag: '36.2.0' },
  /** Ships container logs to logstash. */
  filebeat: { repository: 'docker.elastic.co/beats/filebeat', tag: '8.17.4' },
} as const satisfies Record<string, { repository: string; tag: string }>;

/** The name of one pinned image. */
export type ImageName = keyof typeof IMAGES;

/** `repository:tag` of a pinned image, with an optional registry prefix. */
export function imageRef(repository: string, tag: string, registry = ''): string {
  const prefix = registry === '' ? '' : registry.endsWith('/') ? registry : `${registry}/`;
  return `${prefix}${repository}:${tag}`;
}
