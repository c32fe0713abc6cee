/**
 * Values of the Prometheus Pushgateway that the Rucio probes (and any short-lived job) push to. Its in-cluster address
 * is wired into every Rucio release's rucio.cfg `[monitor]` section unless the environment sets those options.
 */
import { z } from 'zod';
import { dnsSubdomain, pinnedImage, resources } from './common.js';
import { IMAGES } from './images.js';

/** `host:port`, as rucio.cfg `prometheus_servers` lists them (no scheme, no path). */
export const hostPort = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|\[[0-9a-fA-F:]+\]):([1-9][0-9]{0,4})$/,
    'expected host:port such as pushgateway.rucio.svc:9091 (no scheme, no path)',
  )
  .refine(
    (v) => {
      const port = /:([0-9]+)$/.exec(v);
      return port === null || Number(port[1]) <= 65535;
    },
    { message: 'expected a port from 1 to 65535' },
  );

/** The Service port of the Pushgateway (the contract with the other components). */
export const PUSHGATEWAY_PORT = 9091;

/** Defaults of the Pushgateway, in one place. */
export const PUSHGATEWAY_DEFAULTS = {
  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  persistence: { enabled: true, size: '1Gi', intervalMinutes: 5 },
  monitor: { prometheus_prefix: 'rucio_' },
} as const;

/** The Pushgateway. */
export const pushgatewaySchema = z.strictObject({
  image: pinnedImage(IMAGES.pushgateway),
  resources: resources.default(PUSHGATEWAY_DEFAULTS.resources),
  /** Keep pushed metrics on a volume, so they survive a restart. */
  persistence: z
    .strictObject({
      enabled: z.boolean().default(PUSHGATEWAY_DEFAULTS.persistence.enabled),
      size: z
        .string()
        .regex(/^[0-9]+(Mi|Gi|Ti)$/, 'expected a size such as 1Gi')
        .default(PUSHGATEWAY_DEFAULTS.persistence.size),
      storageClassName: dnsSubdomain.optional(),
      /** How often the metrics are written to the volume. */
      intervalMinutes: z.number().int().min(1).max(60).default(PUSHGATEWAY_DEFAULTS.persistence.intervalMinutes),
    })
    .prefault({}),
  /**
   * Where Rucio and the probes push (`[monitor] prometheus_servers`). Default the in-cluster Service,
   * `pushgateway.<namespace>.svc:9091`.
   */
  address: hostPort.optional(),
  /** `[monitor] prometheus_prefix` written into every release that does not set it. */
  prometheusPrefix: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a metric name prefix (letters, digits and "_")')
    .default(PUSHGATEWAY_DEFAULTS.monitor.prometheus_prefix),
  /**
   * Grouping labels (`[monitor] prometheus_labels`) added to every push; `environment: <env>` is always among them.
   */
  labels: z
    .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a Prometheus label name'), z.string().min(1))
    .default({}),
});

/** Pushgateway values, fully defaulted. */
export type PushgatewayValues = z.infer<typeof pushgatewaySchema>;
