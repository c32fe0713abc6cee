/**
 * Schemas shared by the rucio-server and rucio-daemons values: resources, mounts, env vars, rucio.cfg.
 *
 * Every object is strict: an unknown key is an error, never silently ignored.
 */
import { z } from 'zod';
import { annotationMap, imageNameProblem, imageRepository, labelMap } from './kubernetes.js';
import { DECLARATION_PREFIX } from './policy.js';

/** A DNS-1123 label, as Kubernetes wants for names. */
export const dnsLabel = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'expected a lowercase DNS label (a-z, 0-9 and "-", starting and ending alphanumeric)',
  )
  .max(63);

/** A DNS-1123 subdomain (names of Secrets, ConfigMaps, PVCs). */
export const dnsSubdomain = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'expected a lowercase DNS name (a-z, 0-9, "-" and ".")',
  )
  .max(253);

/** A Kubernetes quantity, as a string (`700m`, `1.5`, `200Mi`) or a plain number. */
export const quantity = z.union([
  z
    .string()
    .regex(
      /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/,
      'expected a Kubernetes quantity such as 700m, 2, 200Mi or 1Gi',
    ),
  z.number().nonnegative(),
]);

const cpuMemory = z.strictObject({
  /** CPU, in cores or millicores (`700m`). */
  cpu: quantity.describe('CPU, in cores or millicores (`700m`)'),
  /** Memory, with a binary suffix (`200Mi`, `1Gi`). */
  memory: quantity.describe('Memory, with a binary suffix (`200Mi`, `1Gi`)'),
});

/**
 * Container resources. Both requests and limits are required, with CPU and memory in each: a container without them
 * is refused by many clusters' admission control and starves its neighbours.
 */
export const resources = z.strictObject({
  requests: cpuMemory,
  limits: cpuMemory,
});
export type Resources = z.infer<typeof resources>;

/** `{secretKeyRef: {name, key}}`: a value read from an existing Secret at run time. */
export const secretKeyRef = z.strictObject({
  secretKeyRef: z.strictObject({
    /** The Secret's name, used verbatim (it is not prefixed with the release). */
    name: dnsSubdomain.describe("The Secret's name, used verbatim (it is not prefixed with the release)"),
    /** The key inside the Secret. */
    key: z
      .string()
      .min(1)
      .regex(/^[-._a-zA-Z0-9]+$/, 'expected a Secret key (letters, digits, "-", "_" and ".")')
      .describe('The key inside the Secret'),
    /** Start the pod even when the Secret or key is missing. */
    optional: z.boolean().optional().describe('Start the pod even when the Secret or key is missing'),
  }),
});
export type SecretKeyRef = z.infer<typeof secretKeyRef>;

/** One rucio.cfg option value: literal, or a reference to a Secret. */
export const configValue = z.union([z.string(), z.number(), z.boolean(), secretKeyRef]);
export type ConfigValue = z.infer<typeof configValue>;

/** The underscored section names the image maps to the hyphenated ones Rucio reads. */
export const SECTION_ALIASES: Readonly<Record<string, string>> = {
  messaging_fts3: 'messaging-fts3',
  messaging_cache: 'messaging-cache',
  messaging_hermes: 'messaging-hermes',
  messaging_hermes2: 'hermes',
  nongrid_trace: 'nongrid-trace',
  tracer_kronos: 'tracer-kronos',
};

/** The name Rucio reads for a section written either way. */
export function canonicalSection(section: string): string {
  return SECTION_ALIASES[section] ?? section;
}

/**
 * The `RUCIO_CFG_…` env var that sets `section.option`, or an explanation of why none can: the image splits a name
 * outside its alias list at the first underscore, so such sections and options must not hold `_`, `-` or `.`.
 */
export function configEnvName(section: string, option: string): { name: string } | { error: string } {
  const canonical = canonicalSection(section);
  const alias = Object.entries(SECTION_ALIASES).find(([, v]) => v === canonical && v !== 'hermes')?.[0];
  const token = alias ?? canonical;
  if (alias === undefined && /[-_.]/.test(canonical)) {
    return {
      error: `section '${section}' cannot be set from a Secret: the image reads RUCIO_CFG_ names only for sections without '-', '_' or '.' (or ${Object.keys(SECTION_ALIASES).join(', ')})`,
    };
  }
  if (option.includes('.'))
    return { error: `option '${option}' cannot be set from a Secret: env var names cannot hold '.'` };
  return { name: `RUCIO_CFG_${token.toUpperCase()}_${option.toUpperCase()}` };
}

/**
 * rucio.cfg as section → option → value. Sections may use the hyphenated names Rucio reads (`messaging-hermes`) or
 * the underscored aliases the image maps (`messaging_hermes`); both spellings of one section are an error.
 */
export const rucioConfig = z
  .record(
    z
      .string()
      .regex(
        /^[a-z0-9][-_a-z0-9.]*$/,
        'expected a rucio.cfg section name (lowercase letters, digits, "-", "_" and ".")',
      ),
    z.record(
      z
        .string()
        .regex(/^[a-z0-9][_a-z0-9.]*$/, 'expected a rucio.cfg option name (lowercase letters, digits, "_" and ".")'),
      configValue,
    ),
  )
  .superRefine((config, ctx) => {
    const seen = new Map<string, string>();
    for (const section of Object.keys(config)) {
      const canonical = canonicalSection(section);
      const other = seen.get(canonical);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [section],
          message: `section '${section}' is the same as '${other}' (Rucio reads both as '${canonical}'): merge them into one`,
        });
      }
      seen.set(canonical, section);
      for (const [option, value] of Object.entries(config[section] ?? {})) {
        if (typeof value !== 'object') continue;
        const env = configEnvName(section, option);
        if ('error' in env) ctx.addIssue({ code: 'custom', path: [section, option], message: env.error });
      }
    }
  });
export type RucioConfig = z.infer<typeof rucioConfig>;

const envName = z.string().regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/, 'expected an environment variable name');

/** An environment variable: a literal value, or one read from a Secret, ConfigMap or the pod's own fields. */
export const envVar = z.strictObject({
  name: envName,
  value: z.string().optional(),
  valueFrom: z
    .strictObject({
      secretKeyRef: z
        .strictObject({ name: dnsSubdomain, key: z.string().min(1), optional: z.boolean().optional() })
        .optional(),
      configMapKeyRef: z
        .strictObject({ name: dnsSubdomain, key: z.string().min(1), optional: z.boolean().optional() })
        .optional(),
      fieldRef: z.strictObject({ fieldPath: z.string().min(1), apiVersion: z.string().optional() }).optional(),
      resourceFieldRef: z
        .strictObject({
          resource: z.string().min(1),
          containerName: z.string().optional(),
          divisor: quantity.optional(),
        })
        .optional(),
    })
    .optional(),
});
export type EnvVar = z.infer<typeof envVar>;

/**
 * A Secret mounted into the container. `secretName` is prefixed with `<release>-`; `secretFullName` is used verbatim.
 * The volume is named after `volumeName`, else `secretName`, else `secretFullName`.
 */
export const secretMount = z
  .strictObject({
    volumeName: dnsLabel.optional(),
    secretName: dnsSubdomain.optional(),
    secretFullName: dnsSubdomain.optional(),
    mountPath: z.string().startsWith('/', 'expected an absolute path'),
    subPath: z.string().min(1).optional(),
    defaultMode: z.number().int().min(0).max(0o777).optional(),
    /** Start the pod even when the Secret is missing. */
    optional: z.boolean().optional().describe('Start the pod even when the Secret is missing'),
  })
  .refine((m) => (m.secretName === undefined) !== (m.secretFullName === undefined), {
    message: 'set exactly one of secretName (prefixed with the release) and secretFullName (used as written)',
  });
export type SecretMount = z.infer<typeof secretMount>;

/** A directory of the node mounted into the container. */
export const hostPathMount = z.strictObject({
  volumeName: dnsLabel.optional(),
  hostPath: z.string().startsWith('/', 'expected an absolute path'),
  mountPath: z.string().startsWith('/', 'expected an absolute path'),
  readOnly: z.boolean().default(true),
  type: z
    .enum(['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'])
    .optional(),
});
export type HostPathMount = z.infer<typeof hostPathMount>;

/** An existing PersistentVolumeClaim mounted into the container, keyed by volume name (CVMFS, for example). */
export const persistentVolumes = z.record(
  dnsLabel,
  z.strictObject({
    /** The claim's name. */
    name: dnsSubdomain.describe("The claim's name"),
    mountPath: z.string().startsWith('/', 'expected an absolute path'),
    readOnly: z.boolean().optional(),
  }),
);

/** An image tag that can be reviewed and rolled back: not `latest`. */
export const pinnedTag = z
  .string()
  .min(1)
  .regex(
    /^[\w][\w.-]{0,127}$/,
    'expected an image tag: letters, digits, "_", "." and "-", at most 128, not starting with "." or "-"',
  )
  .refine((t) => t !== 'latest', {
    message: 'a moving tag cannot be reviewed or rolled back: pin a release such as release-36.2.0',
  });

/** The image of a component: repository and tag, defaulting to its pin in `values/images.ts`. */
export function pinnedImage(pin: { repository: string; tag: string }) {
  return z
    .strictObject({ repository: imageRepository.default(pin.repository), tag: pinnedTag.default(pin.tag) })
    .prefault({});
}

/** Image of a Rucio release. The repository has its own default per chart. */
export function imageSchema(defaults: { repository: string; tag: string }) {
  return z
    .strictObject({
      repository: imageRepository.default(defaults.repository),
      tag: pinnedTag.default(defaults.tag),
      pullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']).default('IfNotPresent'),
    })
    .prefault({});
}

/** Kubernetes scheduling and pod metadata, passed through. */
export const labels = labelMap;
export const nodeSelector = z.record(z.string().min(1), z.string());
export const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});
/** Pod affinity, as Kubernetes defines it (checked against the Kubernetes schema at synth). */
export const affinity = z.record(z.string(), z.unknown());

/** Deployment rollout strategy. */
export const strategy = z
  .strictObject({
    type: z.enum(['RollingUpdate', 'Recreate']).default('RollingUpdate'),
    rollingUpdate: z
      .strictObject({
        maxSurge: z.union([z.number().int().nonnegative(), z.string().regex(/^[0-9]+%$/)]).default(1),
        maxUnavailable: z.union([z.number().int().nonnegative(), z.string().regex(/^[0-9]+%$/)]).default(1),
      })
      .optional(),
  })
  .prefault({});

/**
 * A cron schedule: five fields of digits, names, `*`, `/`, `,`, `-`, `?` (or a `@daily`-style macro). It lands in a
 * CronJob's `schedule`, which the controller parses the way cron does.
 */
export const cronSchedule = z
  .string()
  .regex(
    /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9A-Za-z*/,?-]+( [0-9A-Za-z*/,?-]+){4})$/,
    'expected a cron schedule of five fields such as "12 */6 * * *" (or @daily, @hourly, …)',
  );

/** A word: letters, digits and `._:/@=+-`, no spaces (a VO, a VOMS role, an argument passed on to a script). */
export const token = z.string().regex(/^[A-Za-z0-9._:/@=+-]+$/, 'expected one word: letters, digits and ._:/@=+-');

/** The FTS proxy renewal CronJob (`rucio/fts-cron`), which writes the `x509up` Secret the conveyor and servers mount. */
export const ftsRenewal = z
  .strictObject({
    enabled: z
      .union([z.boolean(), z.literal(0), z.literal(1)])
      .transform(Boolean)
      .default(false),
    schedule: cronSchedule.default('12 */6 * * *'),
    image: z
      .strictObject({
        repository: z.string().min(1).optional(),
        tag: z.string().min(1).optional(),
        pullPolicy: z.enum(['IfNotPresent', 'Always']).optional(),
      })
      .prefault({}),
    script: z.enum(['default', 'atlas', 'dteam', 'multi_vo', 'tutorial', 'escape']).default('default'),
    vos: z.array(z.strictObject({ vo: token, voms: token })).default([]),
    /** FTS servers to delegate to, comma-separated URLs. */
    servers: z
      .string()
      .regex(/^([^\s,]+(,[^\s,]+)*)?$/, 'expected comma-separated URLs without spaces')
      .default('')
      .describe('FTS servers to delegate to, comma-separated URLs'),
    /** The robot certificate as a kubernetes.io/tls Secret (tls.crt, tls.key). */
    tlsSecretName: dnsSubdomain
      .optional()
      .describe('The robot certificate as a kubernetes.io/tls Secret (tls.crt, tls.key)'),
    /** Names of the Secrets the job writes the proxy into; default `<release>-rucio-x509up`. */
    secretNames: z
      .array(dnsSubdomain)
      .optional()
      .describe('Names of the Secrets the job writes the proxy into; default `<release>-rucio-x509up`'),
    additionalEnvs: z.array(envVar).default([]).describe('Extra env vars of the job'),
    resources: resources.prefault({
      requests: { cpu: '100m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    }),
  })
  .prefault({});

/** A CronJob that restarts the release's Deployments on a schedule (`kubectl rollout restart`). */
export const automaticRestart = z
  .strictObject({
    enabled: z
      .union([z.boolean(), z.literal(0), z.literal(1)])
      .transform(Boolean)
      .default(false),
    schedule: cronSchedule.default('0 0 * * *'),
    image: z.strictObject({ repository: z.string().min(1).optional(), tag: z.string().min(1).optional() }).prefault({}),
    /** Extra label selector, ANDed with `release=<release>`. */
    selectorLabel: z
      .string()
      .regex(/^[A-Za-z0-9._/=!,() -]+$/, 'expected a label selector such as "app-group=rucio,tier!=test"')
      .optional()
      .describe('Extra label selector, ANDed with `release=<release>`'),
    resources: resources.prefault({
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { cpu: '200m', memory: '128Mi' },
    }),
  })
  .prefault({});

/**
 * Keys every Rucio release accepts, shared by servers and daemons. The environment's `common` layer accepts exactly
 * these.
 */
export const releaseShared = {
  /** Helm's `fullnameOverride`: the prefix of every object's name. */
  fullnameOverride: dnsLabel.optional().describe("Helm's `fullnameOverride`"),
  /** Helm's `nameOverride`: replaces the chart name in the default fullname. */
  nameOverride: dnsLabel.optional().describe("Helm's `nameOverride`"),
  imagePullSecrets: z
    .array(z.strictObject({ name: dnsSubdomain }))
    .default([])
    .describe('Secrets with registry credentials for pulling the images'),
  /** Prepended to every image of the release (`registry.example.org/`). */
  imageRegistry: z
    .string()
    .superRefine((registry, ctx) => {
      if (registry === '') return;
      // imageRef() adds the "/" when it is missing
      const problem = imageNameProblem(`${registry.replace(/\/$/, '')}/x`);
      if (problem)
        ctx.addIssue({
          code: 'custom',
          message: `expected a registry prefix such as registry.example.org/: the image name it makes ${problem}`,
        });
    })
    .default('')
    .describe('Prepended to every image of the release (`registry.example.org/`)'),
  /** rucio.cfg, section → option → value; becomes `/opt/rucio/etc/conf.d/10_common.json`. */
  config: rucioConfig
    .default({})
    .describe('rucio.cfg, section → option → value; becomes `/opt/rucio/etc/conf.d/10_common.json`'),
  /** Literal env vars: each key is upper-cased (`rucio_ca_path` → `RUCIO_CA_PATH`). */
  optional_config: z
    .record(
      z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected an environment variable name'),
      z.union([z.string(), z.number(), z.boolean()]),
    )
    .default({})
    .describe('Literal env vars'),
  additionalEnvs: z
    .array(envVar)
    .default([])
    .describe('Extra env vars (value or valueFrom), after the ones the release sets'),
  secretMounts: z
    .array(secretMount)
    .default([])
    .describe(
      'Secrets mounted into the containers: secretName (prefixed with the release) or secretFullName, mountPath, subPath',
    ),
  hostPathMounts: z
    .array(hostPathMount)
    .default([])
    .describe('Node directories mounted into the containers (read-only unless readOnly: false)'),
  persistentVolumes: persistentVolumes
    .default({})
    .describe('Existing PersistentVolumeClaims mounted by volume name (CVMFS, for example)'),
  serviceAccountName: dnsSubdomain
    .optional()
    .describe("The pods' ServiceAccount (default: none, and no API token is mounted)"),
  /**
   * Mount the Secrets upstream derives from the release name (`<release>-rucio-x509up`, `-rucio-ca-bundle`, …).
   * Off by default: name what you mount in `secretMounts` instead.
   */
  useDeprecatedImplicitSecrets: z
    .boolean()
    .default(false)
    .describe(
      'Mount the Secrets upstream derives from the release name (`<release>-rucio-x509up`, `-rucio-ca-bundle`, …)',
    ),
  deploymentAnnotations: annotationMap
    .superRefine((map, ctx) => {
      for (const key of Object.keys(map)) {
        if (key.startsWith(DECLARATION_PREFIX)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `'${key}' is a declaration only a construct may make (it lifts a policy rule): remove it, and waive the rule under policy.waivers with a reason instead`,
          });
        }
      }
    })
    .default({})
    .describe('Annotations of the Deployments (e.g. for a reloader)'),
  podAnnotations: annotationMap.default({}).describe('Annotations of the pods'),
  podLabels: labels.default({}).describe('Extra labels of the pods (the selector labels cannot be overridden)'),
  strategy: strategy.describe('How Deployments roll (RollingUpdate with maxSurge/maxUnavailable 1, or Recreate)'),
  minReadySeconds: z
    .number()
    .int()
    .nonnegative()
    .default(5)
    .describe('Seconds a new pod must be ready before it counts as available'),
  ftsRenewal: ftsRenewal.describe('A CronJob that renews the FTS proxy and writes it into the x509up Secrets'),
  automaticRestart: automaticRestart.describe("A CronJob that restarts the release's Deployments on a schedule"),
} as const;
