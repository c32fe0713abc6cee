/**
 * Values of the Rucio probes (`rucio/probes`): Nagios-style checks of the database queues, run by cron on a schedule
 * per probe as the upstream rucio-probes chart does, pushing their results to the Pushgateway.
 */
import { z } from 'zod';
import { dnsSubdomain, pinnedImage, resources, rucioConfig, secretMount } from './common.js';
import { IMAGES } from './images.js';

const probeName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'expected a probe script name such as check_expired_dids');
/** Minutes between runs; 0 switches the probe off. */
const interval = z.number().int().min(0).max(59, 'expected minutes from 0 to 59 (cron */N in the minute field)');

/** Defaults of the probes, in one place. */
export const PROBES_DEFAULTS = {
  resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  detDelay: '/DeterministicDelay',
} as const;

/** The probes. */
export const probesSchema = z.strictObject({
  image: pinnedImage(IMAGES.rucioProbes),
  resources: resources.default(PROBES_DEFAULTS.resources),
  /** The script that spreads the start of each probe over its interval. */
  detDelay: z.string().startsWith('/').default(PROBES_DEFAULTS.detDelay),
  /** Common probes (`/probes/common/<name>`): name → minutes between runs (0 = off). */
  probes: z.record(probeName, z.strictObject({ interval })).default({}),
  /** Experiment probes (`/probes/<voName>/<name>`). */
  voProbes: z
    .record(
      probeName,
      z.strictObject({
        interval,
        voName: z.string().regex(/^[a-z0-9_-]+$/, 'expected a probes folder name such as atlas'),
      }),
    )
    .default({}),
  /**
   * rucio.cfg of the probes, merged over the environment's `common.config` (the database, `[monitor]` …). The
   * `[monitor]` Pushgateway options are wired like every release's.
   */
  config: rucioConfig.default({}),
  /** The FTS proxy Secret mounted at `/opt/proxy` (some probes talk to FTS). */
  ftsProxySecret: dnsSubdomain.optional(),
  secretMounts: z.array(secretMount).default([]),
});

/** Probe values, fully defaulted. */
export type ProbesValues = z.infer<typeof probesSchema>;
