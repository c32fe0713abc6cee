/**
 * The `flux` block of an environment: how Flux reconciles the environment's folders of `dist/`.
 *
 * Synth writes the Flux objects into `dist/clusters/<env>/` beside the `flux-system/` folder that `flux bootstrap`
 * owns: a GitRepository (only when `gitRepository` is set; otherwise the Kustomizations read an existing source,
 * by default bootstrap's `flux-system`), and one Kustomization per layer and release: infrastructure, then each
 * server release, then each daemons release. Every default is here and nowhere else.
 */
import { z } from 'zod';
import { dnsLabel, dnsSubdomain } from './common.js';

/** A Flux duration such as `30s`, `5m`, `1h30m`. */
export const fluxDuration = z
  .string()
  .regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, 'expected a duration such as 30s, 5m or 1h30m');

/** Defaults of the `flux` block, in one place. */
export const FLUX_DEFAULTS = {
  namespace: 'flux-system',
  sourceRef: 'flux-system',
  gitRepositoryName: 'rucio-deploy',
  branch: 'main',
  sourceInterval: '1m',
  interval: '10m',
  retryInterval: '2m',
  timeout: '5m',
  prune: true,
  wait: true,
  path: '.',
} as const;

/** The Git repository Flux reads `dist/` from (the deploy repository that `publish` writes). */
export const gitRepositorySchema = z.strictObject({
  /** The GitRepository's name. */
  name: dnsLabel.default(FLUX_DEFAULTS.gitRepositoryName),
  /** `ssh://`, `https://` or `http://` URL of the deploy repository. */
  url: z.string().regex(/^(ssh|https?):\/\/[^\s]+$/, 'expected an ssh://, https:// or http:// URL'),
  /** The branch Flux follows (the one `publish --branch` writes). */
  branch: z.string().min(1).default(FLUX_DEFAULTS.branch),
  /** How often Flux fetches the repository. */
  interval: fluxDuration.default(FLUX_DEFAULTS.sourceInterval),
  /** The Secret (in the Flux namespace) with the deploy key or token; required for ssh:// URLs. Created outside git. */
  secretRef: dnsSubdomain.optional(),
});

/** The `flux` block. */
export const fluxSchema = z
  .strictObject({
    /** The namespace of the Flux objects (where the controllers run). */
    namespace: dnsLabel.default(FLUX_DEFAULTS.namespace),
    /** Generate a GitRepository for the deploy repository. Without it, the Kustomizations read `sourceRef`. */
    gitRepository: gitRepositorySchema.optional(),
    /** An existing GitRepository the Kustomizations read when `gitRepository` is not set (bootstrap's own). */
    sourceRef: dnsLabel.optional(),
    /** Where the deploy repository holds the content of `dist/`: `.` when `publish` writes it at the root. */
    path: z
      .string()
      .regex(/^\.(\/[A-Za-z0-9._-]+)*$/, "expected a relative path starting with '.' (such as . or ./dist)")
      .refine((p) => !p.split('/').includes('..'), { message: "expected a path inside the repository, without '..'" })
      .default(FLUX_DEFAULTS.path),
    /** How often each Kustomization re-applies its folder (drift correction). */
    interval: fluxDuration.default(FLUX_DEFAULTS.interval),
    /** How soon a failed reconciliation is retried. */
    retryInterval: fluxDuration.default(FLUX_DEFAULTS.retryInterval),
    /** How long an apply, and the wait for health, may take. */
    timeout: fluxDuration.default(FLUX_DEFAULTS.timeout),
    /** Delete objects that left `dist/`. */
    prune: z.boolean().default(FLUX_DEFAULTS.prune),
    /**
     * `true`: a layer is ready when every object it applied is ready. `false`: only the release's Deployments are
     * health-checked (so a slow Job does not hold back the next layer).
     */
    wait: z.boolean().default(FLUX_DEFAULTS.wait),
  })
  .superRefine((flux, ctx) => {
    if (flux.gitRepository && flux.sourceRef !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sourceRef'],
        message: 'set either gitRepository (a new source) or sourceRef (an existing one), not both',
      });
    }
    if (flux.gitRepository?.url.startsWith('ssh://') && flux.gitRepository.secretRef === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['gitRepository', 'secretRef'],
        message: 'an ssh:// URL needs a deploy key: name the Secret that holds it (identity, known_hosts)',
      });
    }
  });

/** The parsed `flux` block. */
export type FluxValues = z.infer<typeof fluxSchema>;
