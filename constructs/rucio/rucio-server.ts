/**
 * One rucio-server release: httpd + mod_wsgi serving the REST API, auth or traces (chosen by `config.api.endpoints`).
 *
 * Follows the chart's object contract (names, `app`/`release` selector, ports 80/443, health on 81/444 with `/ping`
 * probes, metrics on 8081 and the apache exporter on 8080), and does better where the chart falls short: httpd
 * settings are plain env vars (every change rolls the pods, and the checksum covers them too), every container has
 * requests and limits, and every image is pinned.
 */
import { type ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { IMAGES, imageRef } from '../../values/images.js';
import type { RucioServerValues } from '../../values/rucio-server.js';
import { declare, declareImageNeeds, IMAGE_NEEDS } from '../shared/declarations.js';
import { addReleaseJobs } from '../jobs/release-jobs.js';
import { CONF_D, checksum, renderConfig } from '../shared/rucio-config.js';
import {
  CHART_VERSION,
  CONTAINER_SECURITY,
  SIDECAR_SECURITY,
  MANAGED_BY,
  fullname,
  sortedMap,
  type PodParts,
} from '../shared/rucio-pod.js';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { kubeObject } from '../shared/objects.js';
import { releaseDeployment } from './release-deployment.js';
import { releaseIngress, releaseService } from './release-service.js';

/** The chart name: the default `app` label, container name and fullname suffix. */
const SERVER_CHART = 'rucio-server';

/** Props of a server release. */
export interface RucioServerProps {
  /** The release name (`serverint`). */
  readonly release: string;
  /** The release's values, fully defaulted (the plan stage applies the `[monitor]` wiring and metrics defaults). */
  readonly values: RucioServerValues;
  /**
   * The server container's env vars and the pod's volumes and mounts, resolved and checked by the plan stage
   * (`src/plan/`; `serverPod` there). Unused when `values.replicaCount` is 0.
   */
  readonly pod: PodParts;
  /**
   * Leave `replicas` out because an autoscaler owns it.
   * @default false
   */
  readonly autoscaled?: boolean;
}

/** The names of a server release's objects. */
export interface ServerNames {
  /** The prefix of every object's name, and the name of the Deployment and Service. */
  readonly fullname: string;
  /** The `app` label (the chart name, or `nameOverride`). */
  readonly app: string;
  /** The selector labels of the pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** The common config's ConfigMap. */
  readonly configMap: string;
}

/** The names of a server release's objects, as the chart writes them. */
export function serverNames(release: string, values: RucioServerValues): ServerNames {
  const app = values.nameOverride ?? SERVER_CHART;
  const full = fullname(release, SERVER_CHART, values);
  return { fullname: full, app, selector: { app, release }, configMap: `${full}.config.common` };
}

/**
 * The server's own env vars (TLS, WSGI, health and metrics ports, httpd settings as `RUCIO_HTTPD_*`), and the httpd
 * ones alone (the config checksum covers them).
 */
export function serverLiterals(values: RucioServerValues): {
  readonly all: Record<string, string>;
  readonly httpd: Record<string, string>;
} {
  const httpd: Record<string, string> = {};
  for (const [k, v] of Object.entries(values.httpd_config))
    if (v !== undefined) httpd[`RUCIO_HTTPD_${k.toUpperCase()}`] = v;
  if (values.monitoring.enabled && httpd.RUCIO_HTTPD_ENABLE_STATUS === undefined)
    httpd.RUCIO_HTTPD_ENABLE_STATUS = 'True';
  const all: Record<string, string> = {
    RUCIO_HEALTH_CHECK_PORT: String(healthPort(values)),
    RUCIO_LOG_FORMAT: values.logFormat,
    RUCIO_OVERRIDE_CONFIGS: CONF_D,
    RUCIO_SERVER_TYPE: values.serverType,
    RUCIO_WSGI_DAEMON_PROCESSES: values.wsgi.daemonProcesses,
    RUCIO_WSGI_DAEMON_THREADS: values.wsgi.daemonThreads,
    ...(values.useSSL ? { RUCIO_ENABLE_SSL: 'True' } : {}),
    ...(values.monitoring.enabled ? { RUCIO_METRICS_PORT: String(values.monitoring.nativeMetricsPort) } : {}),
    ...httpd,
  };
  return { all, httpd };
}

/** The server's health port: 81 over HTTP, 444 over HTTPS. */
function healthPort(values: Pick<RucioServerValues, 'useSSL'>): number {
  return values.useSSL ? 444 : 81;
}

/** A rucio-server release. */
export class RucioServer extends Construct {
  /** The prefix of every object's name, and the name of the Deployment and Service. */
  readonly fullname: string;
  /** The selector labels of the pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** The Service's port (what HAProxy and Ingresses target). */
  readonly servicePort: number;
  readonly deployment?: ApiObject;

  constructor(scope: Construct, id: string, props: RucioServerProps) {
    super(scope, id);
    const { release, values } = props;
    const names = serverNames(release, values);
    const chartName = names.app;
    this.fullname = names.fullname;
    this.selector = names.selector;
    this.servicePort = values.service.port;
    const labels = { app: chartName, chart: `${SERVER_CHART}-${CHART_VERSION}`, release, heritage: MANAGED_BY };
    if (values.replicaCount === 0) return;

    const config = renderConfig(values.config);
    const configMap = names.configMap;
    kubeObject<IConfigMap>(this, 'ConfigCommon', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configMap, labels },
      data: { 'common.json': config.json },
    });

    const health = healthPort(values);
    const scheme = values.useSSL ? 'HTTPS' : 'HTTP';
    const { httpd } = serverLiterals(values);
    const { env, volumes, volumeMounts } = props.pod;

    const probe = (t: RucioServerValues['readinessProbe']): IProbe => ({
      httpGet: { path: '/ping', port: 'health', scheme },
      initialDelaySeconds: t.initialDelaySeconds,
      periodSeconds: t.periodSeconds,
      timeoutSeconds: t.timeoutSeconds,
      failureThreshold: t.failureThreshold,
    });
    const ports = [
      { name: 'http', containerPort: 80, protocol: 'TCP' as const },
      { name: 'https', containerPort: 443, protocol: 'TCP' as const },
      { name: 'health', containerPort: health, protocol: 'TCP' as const },
      ...(values.monitoring.enabled
        ? [{ name: 'metrics', containerPort: values.monitoring.nativeMetricsPort, protocol: 'TCP' as const }]
        : []),
    ];
    const containers: IContainer[] = [];
    if (values.exposeErrorLogs) {
      containers.push({
        name: 'httpd-error-log',
        image: imageRef(IMAGES.busybox.repository, IMAGES.busybox.tag, values.imageRegistry),
        imagePullPolicy: 'IfNotPresent',
        args: ['/bin/sh', '-c', 'touch /var/log/httpd/error_log && exec tail -n+1 -F /var/log/httpd/error_log'],
        resources: values.errorLogsExporterResources,
        // Only reads the log httpd writes into the shared emptyDir (world-readable): no reason to be root.
        securityContext: SIDECAR_SECURITY,
        volumeMounts: [{ name: 'httpdlog', mountPath: '/var/log/httpd' }],
      });
    }
    if (values.monitoring.enabled) {
      const status = values.useSSL
        ? 'https://localhost:443/server-status?auto'
        : 'http://localhost:80/server-status?auto';
      containers.push({
        name: 'apache-exporter',
        image: imageRef(IMAGES.apacheExporter.repository, IMAGES.apacheExporter.tag, values.imageRegistry),
        imagePullPolicy: 'IfNotPresent',
        args: [
          `--scrape_uri=${status}`,
          `--web.listen-address=:${values.monitoring.exporterPort}`,
          ...(values.useSSL ? ['--insecure'] : []),
        ],
        ports: [{ name: 'exporter', containerPort: values.monitoring.exporterPort, protocol: 'TCP' }],
        resources: values.metricsExporterResources,
        securityContext: SIDECAR_SECURITY,
        livenessProbe: { httpGet: { path: '/metrics', port: 'exporter' }, periodSeconds: 30, timeoutSeconds: 5 },
        readinessProbe: { httpGet: { path: '/metrics', port: 'exporter' }, periodSeconds: 30, timeoutSeconds: 5 },
      });
    }
    containers.push({
      name: SERVER_CHART,
      image: imageRef(values.image.repository, values.image.tag, values.imageRegistry),
      imagePullPolicy: values.image.pullPolicy,
      env,
      ports,
      readinessProbe: probe(values.readinessProbe),
      livenessProbe: probe(values.livenessProbe),
      resources: values.serverResources,
      securityContext: CONTAINER_SECURITY,
      volumeMounts,
    });

    const preferSpread = values.service.externalTrafficPolicy === 'Local' && values.affinity === undefined;
    this.deployment = releaseDeployment(this, 'Resource', {
      name: this.fullname,
      labels,
      // The error-log sidecar only tails a file: it has no health signal to probe.
      annotations: {
        ...values.deploymentAnnotations,
        ...(values.exposeErrorLogs ? declare('no-probe-signal', ['httpd-error-log']) : {}),
        ...declareImageNeeds([SERVER_CHART], IMAGE_NEEDS.server),
      },
      replicas: props.autoscaled ? undefined : values.replicaCount,
      minReadySeconds: values.minReadySeconds,
      strategy: values.strategy,
      selector: this.selector,
      podLabels: values.podLabels,
      podAnnotations: values.podAnnotations,
      checksum: checksum({
        config: config.json,
        httpd: sortedMap(httpd),
        wsgi: values.wsgi,
        logFormat: values.logFormat,
      }),
      containers,
      volumes,
      terminationGracePeriodSeconds: values.terminationGracePeriodSeconds,
      serviceAccountName: values.serviceAccountName,
      imagePullSecrets: values.imagePullSecrets,
      scheduling: {
        nodeSelector: values.nodeSelector,
        affinity:
          values.affinity ??
          (preferSpread
            ? {
                podAntiAffinity: {
                  preferredDuringSchedulingIgnoredDuringExecution: [
                    {
                      weight: 100,
                      podAffinityTerm: {
                        topologyKey: 'kubernetes.io/hostname',
                        labelSelector: { matchLabels: { ...this.selector } },
                      },
                    },
                  ],
                },
              }
            : undefined),
        tolerations: values.tolerations,
        priorityClassName: values.priorityClassName,
      },
    });

    const svc = values.service;
    releaseService(this, 'Service', {
      name: this.fullname,
      labels,
      selector: this.selector,
      service: svc,
      port: { name: svc.name, port: svc.port, targetPort: svc.targetPort, protocol: svc.protocol },
      hostname: values.hostname,
    });
    releaseIngress(this, 'Ingress', { name: this.fullname, labels, ingress: values.ingress, servicePort: svc.port });

    addReleaseJobs(this, { release, fullname: this.fullname, values, restartSelector: `app=${chartName}`, labels });
  }
}
