/**
 * Values of one rucio-daemons release (chart 40 keys), derived from the daemon table.
 *
 * @see ./rucio-daemon-table.ts
 */
import { z } from 'zod';
import { annotationMap } from './kubernetes.js';
import {
  affinity,
  envVar,
  hostPathMount,
  imageSchema,
  labels,
  nodeSelector,
  pinnedTag,
  releaseShared,
  resources,
  rucioConfig,
  secretMount,
  toleration,
} from './common.js';
import { outputSchema } from './charts.js';
import { IMAGES } from './images.js';
import { DAEMONS, type DaemonKey, type DaemonSetting, type DaemonSpec, type SettingKey } from './rucio-daemon-table.js';

/** The Prometheus port of every daemon (`[monitor] metrics_port`). */
export const DAEMON_METRICS_PORT = 8080;

const flagValue = z.union([z.boolean(), z.literal(0), z.literal(1)]).transform((v) => Boolean(v));

function settingSchema(s: DaemonSetting): z.ZodType {
  switch (s.kind) {
    case 'int': {
      const n = z.number().int().nonnegative().max(1_000_000_000).describe(s.description);
      return s.default === undefined ? n.optional() : n.default(s.default as number);
    }
    case 'string':
      return z
        .string()
        .min(1)
        .regex(/^[^\n\r\0]*$/, 'expected a single line')
        .describe(s.description)
        .optional();
    case 'expression':
      return z
        .string()
        .min(1)
        .regex(/^[^\n\r\0]*$/, 'expected a single line')
        .describe(s.description)
        .optional();
    case 'names':
      return z
        .union([
          z
            .array(
              z
                .string()
                .min(1)
                .regex(/^[^\n\r\0']*$/, 'expected a name without quotes or newlines'),
            )
            .min(1),
          z.string().min(1),
        ])
        .describe(`${s.description}: a list of names, or the chart's single string of single-quoted names`)
        .optional();
    case 'flag':
      return flagValue.describe(s.description).default(false);
  }
}

function daemonBlock(spec: DaemonSpec) {
  const shape: Record<string, z.ZodType> = {};
  for (const s of spec.settings) shape[s.key] = settingSchema(s);
  return z
    .strictObject({
      ...shape,
      /** Container resources; both requests and limits of CPU and memory (default: the chart's, from the table). */
      resources: resources.default({
        requests: { ...spec.resources.requests },
        limits: { ...spec.resources.limits },
      }),
      /** rucio.cfg for this daemon only; becomes `20_component.json`, over the release's `config`. */
      config: rucioConfig.default({}),
      /** Overrides the release's image tag for this daemon. */
      image: z.strictObject({ tag: pinnedTag.optional() }).prefault({}),
      podAnnotations: annotationMap.default({}),
      /** Pod labels for this daemon, over the release's `podLabels` (the chart silently ignores this key). */
      podLabels: labels.default({}),
      additionalEnvs: z.array(envVar).default([]),
      /** Replaces the release's `secretMounts` for this daemon. */
      secretMounts: z.array(secretMount).optional(),
      /** Adds to whichever `secretMounts` apply. */
      extraSecretMounts: z.array(secretMount).default([]),
      /** Replaces the release's `hostPathMounts` for this daemon (an empty list removes them). */
      hostPathMounts: z.array(hostPathMount).optional(),
      extraHostPathMounts: z.array(hostPathMount).default([]),
      nodeSelector: nodeSelector.default({}),
      affinity: affinity.optional(),
      tolerations: z.array(toleration).default([]),
      priorityClassName: z.string().min(1).optional(),
      /** Seconds the daemon gets to finish its cycle and drop its heartbeat when stopped. */
      terminationGracePeriodSeconds: z.number().int().nonnegative().default(30),
      ...(spec.ssl ? { useSSL: z.boolean().default(false) } : {}),
    })
    .describe(spec.description)
    .prefault({});
}

/**
 * The per-daemon keys of a release, `<daemon>Count` and `<daemon>`, typed from the table: the shape is built in a loop
 * over the table, so this is the one place that states its type.
 */
type DaemonShape = { readonly [K in DaemonKey as `${K}Count`]: z.ZodType<number> } & {
  readonly [K in DaemonKey]: z.ZodType<DaemonValues>;
};

function daemonShape(): DaemonShape {
  const shape: Record<string, z.ZodType> = {};
  for (const d of DAEMONS) {
    shape[`${d.valueKey}Count`] = z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(0)
      .describe(`pods of rucio-${d.binary} (0: not deployed)`);
    shape[d.valueKey] = daemonBlock(d);
  }
  return shape as DaemonShape;
}

/** Prometheus scraping of the daemons. */
export const daemonsMonitoring = z
  .strictObject({
    enabled: z.boolean().default(false),
    serviceMonitorEnabled: z.boolean().default(true),
    exporterPort: z.number().int().min(1).max(65535).default(DAEMON_METRICS_PORT),
    interval: z
      .string()
      .regex(/^[0-9]+(ms|s|m|h)$/)
      .default('30s'),
    telemetryPath: z.string().startsWith('/').default('/metrics'),
    namespace: z.string().optional(),
    labels: labels.default({}),
    serviceMonitor: z
      .strictObject({
        relabelings: z.array(z.unknown()).default([]),
        metricRelabelings: z.array(z.unknown()).default([]),
      })
      .prefault({}),
  })
  .prefault({});

/** One rucio-daemons release. */
export const rucioDaemonsSchema = z.strictObject({
  ...releaseShared,
  /** What synth writes for this release (default: the environment's `output`, else manifests). */
  output: outputSchema.optional(),
  image: imageSchema(IMAGES.rucioDaemons).describe(
    'The daemons image; the tag pins the Rucio release (a daemon may override the tag)',
  ),
  monitoring: daemonsMonitoring.describe(
    'Prometheus scraping of the daemons (metrics on port 8080 when [monitor] enable_metrics is on)',
  ),
  ...daemonShape(),
});

/** What a setting holds once parsed: an int, a string or expression, a list of names (or the chart's string), a flag. */
export type SettingValue = number | string | readonly string[] | boolean;

/** A daemon's block, fully defaulted: its settings (the table's keys; each daemon has its own) and the common keys. */
export interface DaemonValues extends Readonly<Partial<Record<SettingKey, SettingValue>>> {
  readonly resources: z.infer<typeof resources>;
  readonly config: z.infer<typeof rucioConfig>;
  readonly image: { readonly tag?: string };
  readonly podAnnotations: Record<string, string>;
  readonly podLabels: Record<string, string>;
  readonly additionalEnvs: z.infer<typeof envVar>[];
  readonly secretMounts?: z.infer<typeof secretMount>[];
  readonly extraSecretMounts: z.infer<typeof secretMount>[];
  readonly hostPathMounts?: z.infer<typeof hostPathMount>[];
  readonly extraHostPathMounts: z.infer<typeof hostPathMount>[];
  readonly nodeSelector: Record<string, string>;
  readonly affinity?: Record<string, unknown>;
  readonly tolerations: z.infer<typeof toleration>[];
  readonly priorityClassName?: string;
  readonly terminationGracePeriodSeconds: number;
  readonly useSSL?: boolean;
}

/** A rucio-daemons release, fully defaulted: every daemon's `<daemon>Count` and `<daemon>` block typed from the table. */
export type RucioDaemonsValues = z.infer<typeof rucioDaemonsSchema>;

/** The count of a daemon in a release. */
export function daemonCount(values: RucioDaemonsValues, spec: DaemonSpec): number {
  return values[`${spec.valueKey}Count` as const];
}
