/**
 * Every difference between what rucio-gitops writes and what the upstream Helm charts render from the same values:
 * the data behind `docs/upstream-differences.md` (written by `rucio-gitops schema`, checked by `schema --check` and
 * CI), the `except` lists of the chart-40 rendering tests, and the import's report.
 *
 * To add a difference: add an entry to `DIFFERENCES` (or, for a daemon flag whose default differs, set `chartDefault`
 * and `unlikeChart` on its row of the daemon table, which adds the entry by itself). To add a component (the webui),
 * add an area to `AREAS` and entries with that area. Ids are stable: tests and fixtures refer to them.
 */
import { DAEMONS } from '../../values/rucio-daemon-table.js';

/** The parts of the output a difference concerns; each is one section of the document, in this order. */
export const AREAS = {
  both: 'Servers and daemons',
  daemons: 'rucio-daemons',
  server: 'rucio-server',
  webui: 'rucio-webui',
  values: 'Values: keys we refuse, honor or read differently',
  helmrelease: '`output: helmrelease`: the chart renders, with checked values',
} as const satisfies Record<string, string>;

export type Area = keyof typeof AREAS;

/** One difference from the chart. */
export interface UpstreamDifference {
  /** Stable identifier (kebab-case), used by tests, fixtures and the import's report. */
  readonly id: string;
  readonly area: Area;
  /** What we do differently, in one or two sentences. */
  readonly what: string;
  /** Why. */
  readonly why: string;
  /** What an operator migrating from the chart does about it ("nothing" is an answer). */
  readonly migrate: string;
  /** The values keys concerned, when there are some. */
  readonly keys?: readonly string[];
}

/** The differences written by hand. The daemon table adds one per flag default we do not share (see below). */
const WRITTEN: readonly UpstreamDifference[] = [
  {
    id: 'config-in-configmaps',
    area: 'both',
    what: '`config` becomes ConfigMaps (`<fullname>.config.common`, `<fullname>.config.<daemon>`), not Secrets; options that hold secrets are `{secretKeyRef: {name, key}}` and reach the pods as `RUCIO_CFG_<SECTION>_<OPTION>` env vars read from your Secret.',
    why: 'Manifests are committed to git: nothing secret may be in them, and non-secret config should be reviewable in a diff.',
    migrate:
      'Create a Secret for each password, database URL or token (`rucio-gitops import` lists them) and reference it; Flux `valuesFrom` with `targetPath` is replaced by these references.',
    keys: ['config'],
  },
  {
    id: 'no-secrets-written',
    area: 'both',
    what: "No `Secret` object is ever written: not the config Secrets, not the server's `<fullname>.cfg` httpd Secret, not `ingress.secrets` TLS Secrets.",
    why: 'Secrets in git are leaked secrets.',
    migrate:
      'Keep the Secrets you mount (`secretMounts`, `tlsSecretName`) created outside git (or as SealedSecrets / ExternalSecrets).',
    keys: ['ingress.secrets'],
  },
  {
    id: 'implicit-secrets-off',
    area: 'both',
    what: '`useDeprecatedImplicitSecrets` defaults to false (the chart: true), so no `<release>-rucio-x509up`, `-rucio-ca-bundle`, `-rucio-ca-bundle-reaper` or `-server-hostcert` mounts appear unless you ask.',
    why: "Secrets named after the release confuse operators, leave pods stuck when missing, and the reaper CA hides the image's grid CAs (upstream #186).",
    migrate:
      "Name what you mount in `secretMounts`, or set `useDeprecatedImplicitSecrets: true` to keep the chart's mounts; `import` writes it when your files relied on the chart's default.",
    keys: ['useDeprecatedImplicitSecrets'],
  },
  {
    id: 'conveyor-cert-paths',
    area: 'daemons',
    what: "The chart's default `config.conveyor.cacert: /opt/certs/CERN-bundle.pem` and `usercert: /opt/proxy/x509up` are not written by default.",
    why: 'Both paths are where the implicit Secrets are mounted, which are off by default here; a path to a file that is not mounted breaks the submitter.',
    migrate:
      "Set `config.conveyor.cacert` and `usercert` to where you mount the CA and the proxy; `import` carries the chart's values over.",
    keys: ['config.conveyor.cacert', 'config.conveyor.usercert'],
  },
  {
    id: 'checksum-covers-more',
    area: 'both',
    what: "The pods' `checksum/config` covers the server's httpd settings, WSGI settings and log format as well as the config (the chart hashes only `config`).",
    why: 'An httpd change that does not roll the pods is a change that did not happen (upstream: `httpd_config` changes do not restart the server).',
    migrate: 'Nothing; expect one rollout of the servers when you first apply.',
  },
  {
    id: 'resources-everywhere',
    area: 'both',
    what: 'Every container has CPU and memory requests and limits, and the schema requires both: the server container defaults to 750m/1Gi requests and 2/2Gi limits (the chart: none), the jobs and sidecars have theirs.',
    why: 'Clusters with admission control refuse containers without them, and a server without limits starves its neighbours.',
    migrate: 'Set `serverResources` to what your servers need; a release that relied on no limits gets them.',
    keys: ['serverResources'],
  },
  {
    id: 'pinned-images',
    area: 'both',
    what: 'Every image is pinned in `values/images.ts` (no `latest`, no missing tag: the error-log `busybox` and the apache exporter included), and `image.pullPolicy` defaults to `IfNotPresent` (the chart: `Always`).',
    why: 'A moving tag cannot be reviewed or rolled back; a pinned tag need not be pulled again.',
    migrate: 'Nothing, or set `image.pullPolicy: Always` to keep pulling.',
    keys: ['image.pullPolicy'],
  },
  {
    id: 'heritage-label',
    area: 'both',
    what: "The `heritage` label is `rucio-gitops` (the chart: `Helm`); `app`, `release`, `chart`, `app-group` and `rucio-daemon` are the chart's.",
    why: 'It says who manages the objects.',
    migrate:
      'Nothing: the selector (`app` + `release`) is unchanged, so Deployments are updated in place. Uninstall the Helm release without deleting its objects, or let Flux take them over.',
  },
  {
    id: 'common-labels',
    area: 'both',
    what: "Every object also carries `app.kubernetes.io/instance` (the release), `app.kubernetes.io/managed-by: rucio-gitops`, `app.kubernetes.io/part-of: rucio` and `rucio-gitops/environment` (the environment) in its own labels; pod labels and selectors are the chart's.",
    why: 'The recommended Kubernetes labels let tools group the objects of one instance and environment.',
    migrate: 'Nothing.',
  },
  {
    id: 'hardened-pods',
    area: 'both',
    what: 'Pods get a RuntimeDefault seccomp profile, containers `allowPrivilegeEscalation: false`, no ServiceAccount token unless `serviceAccountName` is set, and `revisionHistoryLimit: 5`.',
    why: 'Least privilege; the images do not need the API.',
    migrate: 'Nothing, unless a sidecar of yours needs the API: set `serviceAccountName`.',
  },
  {
    id: 'scoped-job-roles',
    area: 'both',
    what: 'The FTS proxy renewal and the automatic restart jobs get Roles limited to the Secrets and Deployments they touch, instead of a RoleBinding to the ClusterRole `edit`; there is no Helm `post-install` hook Job.',
    why: 'A job that writes one Secret must not be able to edit the whole namespace; Helm hooks do not exist outside Helm.',
    migrate:
      'Run the CronJob once by hand after the first apply (`kubectl create job --from=cronjob/…`) if the proxy Secret does not exist yet.',
    keys: ['ftsRenewal', 'automaticRestart'],
  },
  {
    id: 'metrics-on',
    area: 'both',
    what: "Metrics are on by default: daemons get `[monitor] enable_metrics` and `metrics_port: 8080` with liveness and readiness probes on `/metrics`; servers get `monitoring.enabled: true` (Rucio's metrics on 8081 with `RUCIO_METRICS_PORT`, the apache exporter sidecar on 8080 with `RUCIO_HTTPD_ENABLE_STATUS=True`).",
    why: 'Monitoring that must be switched on is monitoring that is off when it is needed; the daemons have no other health signal.',
    migrate:
      'Nothing; `monitoring.daemonMetrics: false` on the environment or `monitoring.enabled: false` on a server turns them off.',
    keys: ['monitoring.enabled', 'config.monitor.enable_metrics'],
  },
  {
    id: 'metrics-scraping',
    area: 'both',
    what: "The daemons get no NodePort metrics Service and no ServiceMonitor per release; the environment's `monitoring.scrape` writes PodMonitors/ServiceMonitors (operator mode) or `prometheus.io/*` annotations.",
    why: 'A NodePort opens the metrics on every node; one scrape setting per environment instead of per release.',
    migrate: 'Set `monitoring.scrape.mode` in the environment to how your Prometheus finds targets.',
    keys: ['monitoring.serviceMonitorEnabled'],
  },
  {
    id: 'monitor-wiring',
    area: 'both',
    what: "Every release's `[monitor]` section points at the environment's Pushgateway (`prometheus_servers`, `prometheus_prefix`, `prometheus_labels`) unless the release sets those options.",
    why: 'The probes and daemons push to it; the chart deploys no Pushgateway and leaves the wiring to each values file.',
    migrate: 'Nothing, unless you push to another gateway: set the options in `config.monitor`.',
    keys: ['config.monitor'],
  },
  {
    id: 'literal-secrets',
    area: 'values',
    what: 'A literal password, a URL with credentials, a private key or a token anywhere in the values (config, `additionalEnvs`, `optional_config`, inline TLS `ingress.secrets`) is an error; config options and env vars take `{secretKeyRef: {name, key}}` / `valueFrom.secretKeyRef` instead.',
    why: 'The environment files and the manifests are committed: a secret in them is leaked.',
    migrate:
      '`rucio-gitops import` replaces each one with a reference to a Secret it names and prints the Secrets and keys to create (never the values).',
    keys: ['config', 'additionalEnvs', 'optional_config', 'ingress.secrets'],
  },
  {
    id: 'strict-keys',
    area: 'values',
    what: 'An unknown key, a key the chart renamed or dropped (`reaper2*`, `hermes2*`, `additionalSecrets`, `authReplicaCount`, `thread_limit`, …) or a per-daemon key the daemon does not read is an error naming the file, line and key and what replaced it; the chart ignores all of them silently.',
    why: 'A typo that is ignored is a setting that silently does not apply.',
    migrate: '`rucio-gitops import` renames what has a clear successor and names every key it did not carry over.',
  },
  {
    id: 'honored-keys',
    area: 'values',
    what: "Per-daemon `podLabels`, `priorityClassName`, `terminationGracePeriodSeconds` and the server's `priorityClassName` are honored (the chart has none of them, and ignores `tracerKronos.podLabels` that real values set).",
    why: 'Operators set them and expected them to work.',
    migrate: 'Check that the labels you had in those keys are what you want now that they apply.',
    keys: ['<daemon>.podLabels'],
  },
  {
    id: 'typed-values',
    area: 'values',
    what: 'Counts, threads and sizes are numbers, switches are booleans, and activities a list; `httpd_config` and `wsgi` take numbers and booleans and render the strings httpd wants.',
    why: 'The chart compares counts as numbers but needs httpd values as strings; a wrong type breaks `helm template` or is silently ignored.',
    migrate: '`import` converts `"True"`, `"600"` and `"\'A\' \'B\'"` for you.',
  },
  {
    id: 'httpd-thread-limit',
    area: 'server',
    what: "`httpd_config.thread_limit` (the spelling of the chart's own examples) is refused; the image reads `threads_limit`. `import` writes it as `threads_limit`, so the setting now applies (`RUCIO_HTTPD_THREADS_LIMIT`) where the chart set `RUCIO_HTTPD_THREAD_LIMIT`, which the image ignored.",
    why: 'A setting that silently does nothing is a bug; the operator meant the limit.',
    migrate: 'Check the value: httpd now runs with it.',
    keys: ['httpd_config.thread_limit', 'httpd_config.threads_limit'],
  },
  {
    id: 'httpd-config-env',
    area: 'server',
    what: '`httpd_config` becomes literal `RUCIO_HTTPD_<KEY>` env vars (the chart: `secretKeyRef`s into a `<fullname>.cfg` Secret), and only the keys the image reads are accepted.',
    why: 'They are not secret; a Secret hid them from review and from the checksum.',
    migrate: 'Nothing.',
    keys: ['httpd_config'],
  },
  {
    id: 'server-replicas-default',
    area: 'server',
    what: '`replicaCount` defaults to 1 (the chart: 0, which renders no server at all).',
    why: 'A server release written down is meant to run; `replicaCount: 0` still renders nothing.',
    migrate: 'Nothing; `import` writes the count your files had.',
    keys: ['replicaCount'],
  },
  {
    id: 'server-exporter',
    area: 'server',
    what: 'The apache exporter sidecar runs the pinned upstream `prometheus-community` image with its port named `exporter` and its own probes (the chart: `rucio/apache_exporter` without a tag).',
    why: "A pinned, maintained image; `metrics` names Rucio's own port.",
    migrate: 'Scrape configs that select the port name `metrics` for the exporter select `exporter`.',
  },
  {
    id: 'reaper-home',
    area: 'daemons',
    what: 'The reaper and dark reaper get no `RUCIO_HOME=/opt/rucio/reaper`, and get `X509_USER_PROXY=/opt/proxy/x509up` whether or not the implicit Secrets are on (the chart sets it only with them).',
    why: "Rucio reads `$RUCIO_HOME/etc/rucio.cfg` first and falls back to `/opt/rucio/etc/rucio.cfg`, where the image merges conf.d, so the chart's value only adds a lookup; the proxy path is where `secretMounts` mount the proxy in every documented setup.",
    migrate:
      "Nothing, unless you mount a config under /opt/rucio/reaper/etc: add `RUCIO_HOME` to the reaper's `additionalEnvs`.",
    keys: ['reaper.additionalEnvs', 'darkReaper.additionalEnvs'],
  },
  {
    id: 'stager-bulk-once',
    area: 'daemons',
    what: "The stager's `--bulk` is passed once (the chart passes it twice).",
    why: 'A template bug upstream.',
    migrate: 'Nothing.',
    keys: ['conveyorStager.bulk'],
  },
  {
    id: 'daemon-args-quoting',
    area: 'daemons',
    what: "`RUCIO_DAEMON_ARGS` is built from typed values with each daemon's own flag names and shell-quoted values, one space between words (the chart joins template fragments, sometimes with two spaces).",
    why: 'The image `eval`s the string: quoting decides whether an activity with a space or an RSE expression with `&` survives.',
    migrate: 'Nothing: after the shell splits it, the daemon sees the same arguments.',
  },
  // The WebUI (values/rucio-webui.ts holds the chart's contract as read; docs/webui.md the guide).
  {
    id: 'webui-probes',
    area: 'webui',
    what: 'The WebUI container gets readiness and liveness probes (`GET /` on the serving port, HTTPS with `useSSL`; timings in `readinessProbe` / `livenessProbe`). The chart has none.',
    why: 'A pod that does not serve should get no traffic, and a hung one should restart.',
    migrate: 'Nothing.',
    keys: ['readinessProbe', 'livenessProbe'],
  },
  {
    id: 'webui-resources',
    area: 'webui',
    what: 'Every container has requests and limits: the WebUI `resources` default to 250m/512Mi requests and 1 CPU/1Gi limits, the log sidecars `logSidecarResources`. The chart sets none.',
    why: 'Clusters with admission control refuse pods without them; a WebUI without limits can starve its node.',
    migrate: 'Set `resources` to what your WebUI uses.',
    keys: ['resources', 'logSidecarResources'],
  },
  {
    id: 'webui-image-pinned',
    area: 'webui',
    what: 'The image defaults to `rucio/rucio-webui:release-36.0.0` with `pullPolicy: IfNotPresent` (the chart: `release-33.0.0`, `Always`); busybox is pinned (the chart: untagged); `latest` is refused.',
    why: 'What runs must be what was reviewed.',
    migrate: 'Set `image.tag` to the WebUI release you run.',
    keys: ['image.tag', 'image.pullPolicy'],
  },
  {
    id: 'webui-checksum',
    area: 'webui',
    what: "A `checksum/config` pod annotation over the WebUI container's env and mounts (the chart's hashes its config Secret).",
    why: 'A configuration change rolls the pods, visibly in the diff.',
    migrate: 'Nothing; expect one rollout when you first apply.',
  },
  {
    id: 'webui-no-config-secret',
    area: 'webui',
    what: "The chart's `<fullname>.config.yaml` Secret (the whole `config` as JSON, OIDC client secrets included) is not written.",
    why: 'No container mounts it, and it would put secrets in git.',
    migrate: 'Nothing.',
    keys: ['config'],
  },
  {
    id: 'webui-secrets-by-reference',
    area: 'webui',
    what: 'Any `config.webui`, `config.oidc_providers` or `config.vo` value may be `{secretKeyRef: {name, key}}`; a client secret, password or token written as a literal (there, in `optionalConfig` or in `additionalEnvs`) is an error.',
    why: 'Manifests are committed to git.',
    migrate: 'Create a Secret for each OIDC client secret and reference it; `import` prints the Secrets to create.',
    keys: ['config.oidc_providers.*.client_secret', 'optionalConfig', 'additionalEnvs'],
  },
  {
    id: 'webui-required-hosts',
    area: 'webui',
    what: "`config.webui.rucio_host`, `rucio_auth_host` and `hostname` are required (the chart defaults them to the placeholders `rucio-server` and `webui-host`); `community_logo_url` has no default (the chart's is a third-party image URL).",
    why: 'A WebUI pointing at a placeholder host starts and fails at the first request.',
    migrate: "Set them (the chart's README already says they must be set).",
    keys: [
      'config.webui.rucio_host',
      'config.webui.rucio_auth_host',
      'config.webui.hostname',
      'config.webui.community_logo_url',
    ],
  },
  {
    id: 'webui-strict-keys',
    area: 'webui',
    what: '`config.webui` and `config.httpd` take only the keys the WebUI and its httpd read (the chart passes any key through); keys of the pre-33 chart (`exposeErrorLogs`, `service.useSSL`, `config.react`, `config.httpdWebui`, `config.oidcProviders`) are errors that say what replaced them.',
    why: 'The chart silently ignores a typo.',
    migrate: 'Fix what `validate` names; other env vars go in `optionalConfig` or `additionalEnvs`.',
    keys: ['config.webui', 'config.httpd'],
  },
  {
    id: 'webui-service-follows-ssl',
    area: 'webui',
    what: 'Without `service.port`/`targetPort`/`name`, the Service serves 443 → `https` with `useSSL` (the default), else 80 → `http`; the chart defaults to 80 → 80 even with `useSSL: true`.',
    why: "The chart's default Service sends plain HTTP to a TLS port with its default `useSSL`.",
    migrate: "Set `service.port`, `targetPort` and `name` to keep the chart's.",
    keys: ['service.port', 'service.targetPort', 'service.name'],
  },
  {
    id: 'webui-ssl-needs-certificate',
    area: 'webui',
    what: '`useSSL` without `tlsSecretName`, `useDeprecatedImplicitSecrets` or a `secretMounts` entry at `/etc/grid-security/hostcert.pem` is an error.',
    why: 'httpd does not start without a certificate.',
    migrate: "Name the certificate's Secret.",
    keys: ['useSSL', 'tlsSecretName'],
  },
  {
    id: 'webui-env-once',
    area: 'webui',
    what: 'An env var set twice (an `additionalEnvs` entry named like a `config.webui` key) is an error; the chart let `additionalEnvs` silently replace `config.webui` entries.',
    why: 'What is deployed must be what was reviewed.',
    migrate: 'Set each env var in one place (a `secretKeyRef` in `config.webui` replaces the `additionalEnvs` trick).',
    keys: ['additionalEnvs'],
  },
  {
    id: 'webui-common-subset',
    area: 'webui',
    what: "Only `imagePullSecrets`, `imageRegistry`, `serviceAccountName`, `deploymentAnnotations`, `podAnnotations`, `podLabels`, `strategy`, `minReadySeconds` and `image.pullPolicy` of the environment's `common` are merged under a WebUI release.",
    why: "The rest of `common` is the Rucio server and daemons' rucio.cfg, mounts and image.",
    migrate: 'Nothing.',
  },
  {
    id: 'webui-no-automount-token',
    area: 'webui',
    what: 'Without `serviceAccountName`, the pods mount no API token (`automountServiceAccountToken: false`).',
    why: 'The WebUI does not call the Kubernetes API.',
    migrate: 'Nothing.',
    keys: ['serviceAccountName'],
  },
  // output: helmrelease (src/plan/helm-release.ts and webui-helm-release.ts make the values, constructs/flux/helm-release.ts
  // the objects).
  {
    id: 'helmrelease-chart-renders',
    area: 'helmrelease',
    what: "A server, daemons or WebUI release with `output: helmrelease` (its own key, or the environment's) is written as a Flux `HelmRelease` (helm.toolkit.fluxcd.io/v2) of the upstream chart (`rucio-server`, `rucio-daemons`, `rucio-webui`) at the version pinned in `values/charts.ts`, with a `HelmRepository` (source.toolkit.fluxcd.io/v1) named `<release>-rucio-charts` in the release's folder, instead of its manifests. The chart then renders the objects, so the differences of the sections above about objects (ConfigMaps, probes, hardened pods, labels, checksums, scoped Roles, the exporter image) do not apply to it; the checks of the values (typos, retired keys, secrets by reference only) and of the two objects (the CRD schemas of HelmRelease v2 and HelmRepository v1 copied from Flux's sources, secrets) do.",
    why: 'Operators who want the official charts keep them, and still get checked values, reviewed diffs and `publish`.',
    migrate:
      "Set `output: helmrelease` on the release or the environment; the release's Flux Kustomization keeps applying `apps/<env>/<release>/`. Switching a release between the two outputs replaces its objects (Flux prunes the manifests and the chart creates objects of the same names): plan it like a redeploy.",
    keys: ['output'],
  },
  {
    id: 'helmrelease-secrets-valuesfrom',
    area: 'helmrelease',
    what: 'A `{secretKeyRef: {name, key}}` in `config` (of the release or of a daemon) becomes a `valuesFrom` entry of the HelmRelease reading that key of that Secret into the same place (`targetPath: config.<section>.<option>`, `<daemon>.config.<section>.<option>`; `optional` carried over). No secret value is in the HelmRelease.',
    why: "The chart's way of taking a secret into rucio.cfg is its config Secret, filled from values: helm-controller fills it from your Secret in the cluster, never from git (as CMS and ESCAPE do by hand).",
    migrate: '`rucio-gitops import` reads such `valuesFrom` entries back as the same `secretKeyRef`s.',
    keys: ['config'],
  },
  {
    id: 'helmrelease-values-form',
    area: 'helmrelease',
    what: "The values are written in the chart's form: activities as one string of single-quoted names, `optional_config` and `httpd_config` values as strings, our defaults that differ from the chart's written out (`replicaCount`, `useDeprecatedImplicitSecrets: false`, the pinned image and `IfNotPresent`, hostPath `readOnly: true`, the error-log `busybox` tag, daemon flags whose default is not the chart's), and chart defaults we do not share removed (a daemon flag as `\"\"`, such as the placeholder activities; the conveyor certificate paths as `null`).",
    why: 'The chart must run what the values were checked as, not its own defaults.',
    migrate: 'Nothing.',
  },
  {
    id: 'helmrelease-refused',
    area: 'helmrelease',
    what: "What the chart cannot do is an error at the key (the plan stage), not a silent difference: an autoscaling entry for the release (the chart sets the replicas), a server's `monitoring.enabled` (the chart's apache exporter image has no tag), `ftsRenewal` and `automaticRestart` (bound to the ClusterRole `edit`), keys the chart does not read (the server's `podLabels`, `podAnnotations`, `priorityClassName`, a `terminationGracePeriodSeconds` other than 30, a probe `failureThreshold` other than 3; a daemon's `podLabels` and `priorityClassName`; `optional` Secret mounts; `readOnly` persistent volumes), and values the chart's templates cannot carry (a daemon number 0, which the chart leaves out; a string with shell characters where the chart does not quote it; a `'` in `logFormat`).",
    why: 'A setting that silently does not apply is a bug; the manifests output can do all of these.',
    migrate: 'Remove the key, or keep `output: manifests` for that release.',
    keys: ['output', 'monitoring.enabled', 'ftsRenewal.enabled', 'automaticRestart.enabled'],
  },
  {
    id: 'helmrelease-webui-secrets-env',
    area: 'helmrelease',
    what: "In a WebUI release, a `{secretKeyRef: {name, key}}` anywhere in `config` (`webui`, an OIDC provider, a VO) becomes an entry of the chart's `additionalEnvs` setting the same variable from that Secret (`RUCIO_WEBUI_OIDC_PROVIDER_<P>_CLIENT_SECRET` with `valueFrom.secretKeyRef`), and the key is left out of `config` (set to `null` where the chart has a default, such as its empty `client_secret`). Nothing goes through `valuesFrom`.",
    why: "The chart writes every `config` value as a literal env var of the Deployment and copies the whole `config` into its Secret `<fullname>.config.yaml`; a secret read through `valuesFrom` would end up in both. `additionalEnvs` is the chart's own way to read a variable from a Secret, so the secret stays a reference up to the pod, as in the manifests output.",
    migrate:
      'Nothing: the pod gets the same variables. `rucio-gitops import` reads them back as `additionalEnvs` entries.',
    keys: ['config.oidc_providers', 'config.webui', 'config.vo', 'additionalEnvs'],
  },
  {
    id: 'helmrelease-webui-values-form',
    area: 'helmrelease',
    what: 'A WebUI release\'s values are written in the rucio-webui chart\'s form: every env value as the string the container gets (`config.httpd.max_request_workers: "640"`, `multivo_enabled: "True"`, `optionalConfig` booleans as `True`/`False`), our defaults written out (`image.pullPolicy: IfNotPresent` and the pinned tag, hostPath `readOnly: true`), the chart\'s defaults we do not share removed with `null` (its placeholder OIDC provider `cern`, its VO `def` when the release has none, its placeholder `community_logo_url`, its nginx ingress annotations), and the Service in both forms the chart has had: `service.port`, `targetPort`, `name` (values.yaml 36.0.4) and `service.useSSL` (the stored `service.yaml`, older, derives the port from it). Chart 40\'s `service.yaml` is not among the stored snapshots.',
    why: 'The chart must render what the values were checked as: test/upstream/helmrelease-webui.test.ts derives what its templates, as read, render from these values and compares the env vars, ports, Service and Ingress with the manifests output.',
    migrate: 'Nothing.',
    keys: ['output', 'service'],
  },
  {
    id: 'helmrelease-webui-no-probes',
    area: 'helmrelease',
    what: 'A WebUI release installed from the chart runs without readiness and liveness probes and without resources on the log sidecars (the chart has neither), and with `replicaCount: 0` the chart still writes its config Secret and a Deployment of 0 replicas (the manifests output writes nothing). Probe timings or `logSidecarResources` other than ours are refused at the key rather than dropped.',
    why: "The chart's templates have no such settings; the defaults are accepted so a release can switch without editing, and anything set by hand is refused so it never silently stops applying.",
    migrate:
      'Keep `output: manifests` if you rely on the probes (a pod that does not answer is then taken out of the Service).',
    keys: ['readinessProbe', 'livenessProbe', 'logSidecarResources', 'replicaCount'],
  },
  {
    id: 'helmrelease-webui-refused',
    area: 'helmrelease',
    what: 'What the rucio-webui chart cannot do is an error at the key of a WebUI release with `output: helmrelease`: `podLabels` and `podAnnotations` (the chart has none), probe timings and `logSidecarResources` other than ours, `config.logs.exposeHttpdLogs` / `exposeWebuiLogs` (its log sidecars run `busybox` without a tag: set both to `false`), a `service.port`, `targetPort` or `name` other than what `useSSL` gives (the stored Service template derives them from it), `useDeprecatedImplicitSecrets` together with `tlsSecretName` (the chart mounts both on the same paths), a TLS entry of `ingress.tls` with its own `hosts` (the chart puts every host into each entry), a `defaultMode` on a Secret mount, `optional` Secret mounts, `readOnly` persistent volumes, and an `optionalConfig` value with `"`, `\\` or a line break (the chart writes it inside double quotes).',
    why: 'A setting that silently does not apply is a bug; the manifests output can do all of these.',
    migrate:
      'Remove the key (for the log sidecars: set them to `false`), or keep `output: manifests` for that release.',
    keys: [
      'podLabels',
      'podAnnotations',
      'config.logs.exposeHttpdLogs',
      'config.logs.exposeWebuiLogs',
      'service.port',
      'useDeprecatedImplicitSecrets',
      'ingress.tls',
      'optionalConfig',
    ],
  },
];

/** One difference per daemon flag whose default is not the chart's, from the daemon table. */
function fromDaemonTable(): UpstreamDifference[] {
  const out: UpstreamDifference[] = [];
  for (const d of DAEMONS) {
    for (const s of d.settings) {
      if (s.unlikeChart === undefined) continue;
      out.push({
        id: `default-${d.name}-${s.key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
        area: 'daemons',
        what: `\`${d.valueKey}.${s.key}\` has no chart default here (the chart: \`${String(s.chartDefault)}\`, rendered as \`${s.flag}\`).`,
        why: s.unlikeChart,
        migrate: "Set the key if you relied on the chart's value; `import` carries an explicit value over.",
        keys: [`${d.valueKey}.${s.key}`],
      });
    }
  }
  return out;
}

/** Every difference, sorted by area (in `AREAS` order) then id. */
export const DIFFERENCES: readonly UpstreamDifference[] = (() => {
  const order = Object.keys(AREAS);
  const all = [...WRITTEN, ...fromDaemonTable()];
  const ids = new Set<string>();
  for (const d of all) {
    if (ids.has(d.id)) throw new Error(`duplicate upstream difference id '${d.id}'`);
    ids.add(d.id);
  }
  return all.sort((a, b) => order.indexOf(a.area) - order.indexOf(b.area) || a.id.localeCompare(b.id, 'en'));
})();

/** A difference by id; throws on an unknown id, so fixtures cannot cite one that does not exist. */
export function difference(id: string): UpstreamDifference {
  const d = DIFFERENCES.find((x) => x.id === id);
  if (!d) throw new Error(`no upstream difference '${id}' in src/upstream/differences.ts`);
  return d;
}
