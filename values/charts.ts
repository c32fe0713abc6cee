/**
 * The upstream Helm charts that `output: helmrelease` installs, pinned in one place (like `images.ts`): a bump is a
 * one-line diff here, reviewed like any other change of what runs.
 *
 * A release (or a whole environment) with `output: helmrelease` is checked exactly like one rendered to manifests
 * (schemas, plan, secrets by reference); synth then writes a Flux HelmRelease of the release's chart, with the
 * checked values in the chart's own form, and a HelmRepository for it, instead of the manifests.
 */
import { z } from 'zod';

/** The Helm repository of the official Rucio charts. */
export const RUCIO_HELM_REPOSITORY = 'https://rucio.github.io/helm-charts';

/** The chart of each kind of release, with its pinned version. */
export const CHARTS = {
  /** API, auth and trace servers (`servers:`). */
  rucioServer: { chart: 'rucio-server', version: '40.0.0' },
  /** Every daemon of a daemons release (`daemons:`). */
  rucioDaemons: { chart: 'rucio-daemons', version: '40.0.0' },
  /** A WebUI release (`webui:`). */
  rucioWebui: { chart: 'rucio-webui', version: '40.0.0' },
} as const satisfies Record<string, { chart: string; version: string }>;

/** How the HelmRelease and its HelmRepository reconcile. */
export const HELM_RELEASE_DEFAULTS = {
  /** How often helm-controller checks the release (an environment's `flux.interval` wins). */
  interval: '10m',
  /** How often source-controller reads the repository's index (the version is pinned, so rarely matters). */
  repositoryInterval: '1h',
  /** Install and upgrade retries before the release is left failed. */
  retries: 3,
} as const;

/**
 * What synth writes for a release: its manifests (the default), or a Flux HelmRelease of the upstream chart with
 * the same checked values.
 */
export const outputSchema = z
  .enum(['manifests', 'helmrelease'])
  .describe(
    'What synth writes for the release: its manifests (default), or a Flux HelmRelease of the upstream chart with the same checked values (see README, "output: helmrelease")',
  );
export type Output = z.infer<typeof outputSchema>;

/**
 * Options the charts' own `values.yaml` puts into `config` (a release's options merge over them): where ours does not
 * set one, the HelmRelease removes it (`null`), so the chart runs the config the release was checked with.
 */
export const CHART_DEFAULT_CONFIG = {
  rucioDaemons: { conveyor: { cacert: '/opt/certs/CERN-bundle.pem', usercert: '/opt/proxy/x509up' } },
} as const satisfies Record<string, Record<string, Record<string, string>>>;

/**
 * The daemon settings the rucio-daemons chart wraps in double quotes inside RUCIO_DAEMON_ARGS (`--include-rses="…"`),
 * so an RSE or DID expression with `&`, `|` or parentheses reaches the daemon as written; every other setting is put
 * there bare, and the image's shell evaluates the string.
 */
export const CHART_QUOTED_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  reaper: ['includeDids', 'excludeDids', 'includeRses', 'excludeRses'],
  darkReaper: ['includeRses'],
};

/**
 * What the rucio-webui chart's `values.yaml` sets that a WebUI release may not (rucio/helm-charts
 * `charts/rucio-webui/values.yaml` at 03bccd5e, chart 36.0.4, the newest stored): Helm merges maps, so the
 * HelmRelease removes each one ours does not set (`null`), and the chart runs only what the release was checked with.
 */
export const WEBUI_CHART_DEFAULTS = {
  /** `config.webui`: the chart's keys (its `community_logo_url` is a placeholder image URL). */
  webui: [
    'community_logo_url',
    'enable_userpass_login',
    'hostname',
    'multivo_enabled',
    'oidc_enabled',
    'oidc_providers',
    'params_encoding_enabled',
    'project_url',
    'rucio_auth_host',
    'rucio_host',
    'rule_activity',
    'vo_default',
    'vo_list',
  ],
  /** `config.oidc_providers`: a placeholder provider `cern` whose every setting is `""`. */
  oidcProviders: {
    cern: [
      'authorization_url',
      'client_id',
      'client_secret',
      'redirect_url',
      'refresh_token_url',
      'token_url',
      'userinfo_url',
    ],
  },
  /** `config.vo`: the VO `def`. */
  vo: { def: ['name', 'oidc_enabled', 'oidc_providers'] },
  /** `ingress.annotations`: nginx's SSL passthrough and redirect. */
  ingressAnnotations: ['nginx.ingress.kubernetes.io/ssl-passthrough', 'nginx.ingress.kubernetes.io/ssl-redirect'],
} as const;
