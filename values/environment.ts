/**
 * The environment file: one cluster's Rucio releases and the components around them.
 *
 * Loading (`src/load/`) reads the YAML, applies `extends` and merges `common` under every release before this schema
 * parses the result, so the release schemas see complete chart values.
 */
import { z } from 'zod';
import { autoscalingIssues, autoscalingSchema } from './autoscaling.js';
import { dnsLabel, pinnedTag, releaseShared } from './common.js';
import { monitoringSchema } from './monitoring.js';
import { filebeatSchema } from './filebeat.js';
import { checkHaproxyReleases, haproxySchema } from './haproxy.js';
import { probesSchema } from './probes.js';
import { pushgatewaySchema } from './pushgateway.js';
import { outputSchema } from './charts.js';
import { fluxSchema } from './flux.js';
import { policySchema } from './policy.js';
import { promotionSchema } from './promotion.js';
import { rucioDaemonsSchema } from './rucio-daemons.js';
import { rucioServerSchema } from './rucio-server.js';
import { rucioWebuiSchema, webuiIssues } from './rucio-webui.js';

/**
 * The `common` layer: keys every Rucio release accepts, merged under each server and daemons release (maps merge,
 * lists replace). Nothing here is defaulted: defaults are the releases' own.
 */
export const commonSchema = z.strictObject({
  ...Object.fromEntries(
    Object.entries(releaseShared)
      .filter(([k]) => k !== 'fullnameOverride' && k !== 'nameOverride')
      .map(([k, v]) => [k, (v as z.ZodType).optional()]),
  ),
  /** The image tag and pull policy of every release (the repository is each chart's own). */
  image: z
    .strictObject({
      tag: pinnedTag.optional(),
      pullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']).optional(),
    })
    .optional(),
});

/** The environment, after loading. */
export const environmentSchema = z
  .strictObject({
    /** The environment's name: its folder under `dist/` (must match the file name). */
    name: dnsLabel.describe("The environment's name"),
    /** A shared layer merged underneath (a file `environments/<extends>.yaml`); resolved by the loader. */
    extends: z
      .string()
      .optional()
      .describe('A shared layer merged underneath (a file `environments/<extends>.yaml`); resolved by the loader'),
    /** The namespace of every Rucio release. */
    namespace: dnsLabel.describe('The namespace of every Rucio release'),
    /**
     * What synth writes for the server, daemons and WebUI releases (a release's own `output` wins): their manifests,
     * or a Flux HelmRelease of the upstream chart each.
     */
    output: outputSchema
      .default('manifests')
      .describe(
        "What synth writes for the server, daemons and WebUI releases (a release's own output wins): manifests, or a Flux HelmRelease of the upstream chart each",
      ),
    /** Merged under every release; see `commonSchema`. */
    common: commonSchema.default({}).describe('Merged under every release; see `commonSchema`'),
    /** Server releases: release name → rucio-server chart values. */
    servers: z.record(dnsLabel, rucioServerSchema).default({}).describe('Server releases'),
    /** Daemons releases: release name → rucio-daemons chart values. */
    daemons: z.record(dnsLabel, rucioDaemonsSchema).default({}).describe('Daemons releases'),
    /** WebUI releases: release name → rucio-webui chart values (only some `common` keys apply, see WEBUI_COMMON_KEYS). */
    webui: z
      .record(dnsLabel, rucioWebuiSchema)
      .default({})
      .describe('WebUI releases: release name → rucio-webui chart values'),
    /** Scraping, alerts and dashboards; without it, metrics are on but nothing scrapes them. */
    monitoring: monitoringSchema
      .optional()
      .describe('Scraping (Prometheus Operator or annotations), alerts and dashboards'),
    /** KEDA ScaledObjects for backlog daemons and CPU HPAs for servers. */
    autoscaling: autoscalingSchema
      .optional()
      .describe('KEDA ScaledObjects for the backlog daemons and CPU HPAs for servers'),
    /** HAProxy in front of the servers, in the cluster and as a plain haproxy.cfg for the VMs. */
    haproxy: haproxySchema
      .optional()
      .describe('HAProxy in front of the servers: in the cluster, and as a plain haproxy.cfg for the VMs'),
    /** The Prometheus Pushgateway; wired into every release's `[monitor]` section. */
    pushgateway: pushgatewaySchema
      .optional()
      .describe("The Prometheus Pushgateway the probes push to; wired into every release's [monitor] section"),
    /** The Rucio probes, pushing to the Pushgateway. */
    probes: probesSchema.optional().describe('The Rucio probes, scheduled per probe, pushing to the Pushgateway'),
    /** filebeat shipping the Rucio pods' logs to logstash. */
    filebeat: filebeatSchema.optional().describe("filebeat shipping the Rucio pods' logs to logstash"),
    /** The Flux objects in `dist/clusters/<env>/`; none without this block. See `values/flux.ts`. */
    flux: fluxSchema
      .optional()
      .describe('The Flux GitRepository and Kustomizations in dist/clusters/<env>/ (none without this block)'),
    /** Waivers of the policy pack's rules, each with a reason; see `values/policy.ts`. */
    policy: policySchema
      .optional()
      .describe("Waivers of the policy pack's rules (rule, object, reason), listed by synth and validate"),
    /** What `promote` demands of the tags moved into this environment; see `values/promotion.ts`. */
    promotion: promotionSchema
      .optional()
      .describe('What promote demands of the tags moved into this environment (soak: 7d by default)'),
  })
  .superRefine((env, ctx) => {
    for (const name of Object.keys(env.daemons)) {
      if (name in env.servers) {
        ctx.addIssue({
          code: 'custom',
          path: ['daemons', name],
          message: `release name '${name}' is also a server release: release names must be unique`,
        });
      }
    }
    for (const [name, webui] of Object.entries(env.webui)) {
      const other = name in env.servers ? 'server' : name in env.daemons ? 'daemons' : undefined;
      if (other) {
        ctx.addIssue({
          code: 'custom',
          path: ['webui', name],
          message: `release name '${name}' is also a ${other} release: release names must be unique`,
        });
      }
      webuiIssues(webui, (path, message) => ctx.addIssue({ code: 'custom', path: ['webui', name, ...path], message }));
    }
    for (const issue of autoscalingIssues(env)) ctx.addIssue({ code: 'custom', ...issue });
    if (env.haproxy)
      checkHaproxyReleases(env.haproxy, env.servers, env.webui, (path, message) =>
        ctx.addIssue({ code: 'custom', path, message }),
      );
    if (env.probes && !env.pushgateway) {
      ctx.addIssue({
        code: 'custom',
        path: ['probes'],
        message:
          'the probes push their results to the Pushgateway: add a pushgateway block (pushgateway: {} for the defaults)',
      });
    }
  });

/** A loaded, fully defaulted environment. */
export type Environment = z.infer<typeof environmentSchema>;
