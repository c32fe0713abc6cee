/**
 * The environment file: one cluster's Rucio releases and the components around them.
 *
 * Loading (`src/load/`) reads the YAML, applies `extends` and merges `common` under every release before this schema
 * parses the result, so the release schemas see complete chart values.
 */
import { z } from 'zod';
import { dnsLabel, releaseShared } from './common.js';
import { policySchema } from './policy.js';
import { rucioDaemonsSchema } from './rucio-daemons.js';
import { rucioServerSchema } from './rucio-server.js';

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
      tag: z.string().min(1).refine((t) => t !== 'latest', { message: 'a moving tag cannot be reviewed or rolled back: pin a release such as release-36.2.0' }).optional(),
      pullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']).optional(),
    })
    .optional(),
});

/** The environment, after loading. */
export const environmentSchema = z
  .strictObject({
    /** The environment's name: its folder under `dist/` (must match the file name). */
    name: dnsLabel,
    /** A shared layer merged underneath (a file `environments/<extends>.yaml`); resolved by the loader. */
    extends: z.string().optional(),
    /** The namespace of every Rucio release. */
    namespace: dnsLabel,
    /** Merged under every release; see `commonSchema`. */
    common: commonSchema.default({}),
    /** Server releases: release name → rucio-server chart values. */
    servers: z.record(dnsLabel, rucioServerSchema).default({}),
    /** Daemons releases: release name → rucio-daemons chart values. */
    daemons: z.record(dnsLabel, rucioDaemonsSchema).default({}),
    /** Waivers of the policy pack's rules, each with a reason; see `values/policy.ts`. */
    policy: policySchema.optional(),
  })
  .superRefine((env, ctx) => {
    for (const name of Object.keys(env.daemons)) {
      if (name in env.servers) {
        ctx.addIssue({ code: 'custom', path: ['daemons', name], message: `release name '${name}' is also a server release: release names must be unique` });
      }
    }
  });

/** A loaded, fully defaulted environment. */
export type Environment = z.infer<typeof environmentSchema>;
