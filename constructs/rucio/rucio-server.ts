/**
 * One rucio-server release: httpd + mod_wsgi serving the REST API, auth or traces (chosen by `config.api.endpoints`).
 *
 * Follows the chart's object contract (names, `app`/`release` selector, ports 80/443, health on 81/444 with `/ping`
 * probes, metrics on 8081 and the apache exporter on 8080), and does better where the chart falls short: httpd
 * settings are plain env vars (every change rolls the pods, and the checksum covers them too), every container has
 * requests and limits, and every image is pinned.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { IMAGES, imageRef } from '../../values/images.js';
import type { RucioServerValues } from '../../values/rucio-server.js';
import { AutomaticRestart } from '../jobs/automatic-restart.js';
import { declare, declareImageNeeds, IMAGE_NEEDS } from '../shared/declarations.js';
import { FtsRenewal } from '../jobs/fts-renewal.js';
import { CONF_D, checksum, renderConfig } from '../shared/rucio-config.js';
import {
  CHART_VERSION,
  CONTAINER_SECURITY,
  Env,
  MANAGED_BY,
  Mounts,
  fullname,
  guardLabels,
  sortedMap,
  undefinedIfEmpty,
} from '../shared/rucio-pod.js';

/** The chart name: the default `app` label, container name and fullname suffix. */
export const SERVER_CHART = 'rucio-server';

/** Props of a server release. */
export interface RucioServerProps {
  /** The release name (`serverint`). */
  readonly release: string;
  readonly values: RucioServerValues;
  /** Where the release sits in the environment, for errors (`['servers', 'serverint']`). */
  readonly path?: readonly (string | number)[];
  /** Leave `replicas` out because an autoscaler owns it. */
  readonly autoscaled?: boolean;
}

/** The server's health port: 81 over HTTP, 444 over HTTPS. */
export function healthPort(values: Pick<RucioServerValues, 'useSSL'>): number {
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
    const path = props.path ?? ['servers', release];
    const chartName = values.nameOverride ?? SERVER_CHART;
    this.fullname = fullname(release, SERVER_CHART, values);
    this.selector = { app: chartName, release };
    this.servicePort = values.service.port;
    const labels = { app: chartName, chart: `${SERVER_CHART}-${CHART_VERSION}`, release, heritage: MANAGED_BY };
    if (values.replicaCount === 0) return;

    const config = renderConfig(values.config);
    const configMap = `${this.fullname}.config.common`;
    new ApiObject(this, 'ConfigCommon', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configMap, labels },
      data: { 'common.json': config.json },
    });

    const health = healthPort(values);
    const scheme = values.useSSL ? 'HTTPS' : 'HTTP';
    const httpd: Record<string, string> = {};
    for (const [k, v] of Object.entries(values.httpd_config))
      if (v !== undefined) httpd[`RUCIO_HTTPD_${k.toUpperCase()}`] = v;
    if (values.monitoring.enabled && httpd.RUCIO_HTTPD_ENABLE_STATUS === undefined)
      httpd.RUCIO_HTTPD_ENABLE_STATUS = 'True';

    const builtIn: Record<string, string> = {
      RUCIO_HEALTH_CHECK_PORT: String(health),
      RUCIO_LOG_FORMAT: values.logFormat,
      RUCIO_OVERRIDE_CONFIGS: CONF_D,
      RUCIO_SERVER_TYPE: values.serverType,
      RUCIO_WSGI_DAEMON_PROCESSES: values.wsgi.daemonProcesses,
      RUCIO_WSGI_DAEMON_THREADS: values.wsgi.daemonThreads,
      ...(values.useSSL ? { RUCIO_ENABLE_SSL: 'True' } : {}),
      ...(values.monitoring.enabled ? { RUCIO_METRICS_PORT: String(values.monitoring.nativeMetricsPort) } : {}),
      ...httpd,
    };
    const env = new Env(path)
      .addLiterals(builtIn, 'the server release (useSSL, wsgi, httpd_config, monitoring, logFormat)')
      .add(config.env, 'a secretKeyRef in config', [...path, 'config'])
      .addOptionalConfig(values.optional_config, [...path, 'optional_config'])
      .add(values.additionalEnvs, 'additionalEnvs', [...path, 'additionalEnvs'])
      .result();

    const mounts = new Mounts(path);
    mounts.add(
      { name: 'config-common', configMap: { name: configMap } },
      { mountPath: `${CONF_D}10_common.json`, subPath: 'common.json', readOnly: true },
    );
    if (values.exposeErrorLogs) mounts.add({ name: 'httpdlog', emptyDir: {} }, { mountPath: '/var/log/httpd' });
    if (values.tlsSecretName) {
      const tls = { name: 'hostcert', secret: { secretName: values.tlsSecretName } };
      mounts.add(tls, { mountPath: '/etc/grid-security/hostcert.pem', subPath: 'tls.crt', readOnly: true }, [
        ...path,
        'tlsSecretName',
      ]);
      mounts.add(tls, { mountPath: '/etc/grid-security/hostkey.pem', subPath: 'tls.key', readOnly: true }, [
        ...path,
        'tlsSecretName',
      ]);
    }
    if (values.useDeprecatedImplicitSecrets) {
      const where = [...path, 'useDeprecatedImplicitSecrets'];
      if (values.useSSL) {
        if (!values.tlsSecretName) {
          mounts.add(
            { name: 'hostcert', secret: { secretName: `${release}-server-hostcert` } },
            { mountPath: '/etc/grid-security/hostcert.pem', subPath: 'hostcert.pem', readOnly: true },
            where,
          );
          mounts.add(
            { name: 'hostkey', secret: { secretName: `${release}-server-hostkey` } },
            { mountPath: '/etc/grid-security/hostkey.pem', subPath: 'hostkey.pem', readOnly: true },
            where,
          );
        }
        mounts.add(
          { name: 'cafile', secret: { secretName: `${release}-server-cafile` } },
          { mountPath: '/etc/grid-security/ca.pem', subPath: 'ca.pem', readOnly: true },
          where,
        );
      }
      if (values.ftsRenewal.enabled) {
        mounts.add(
          { name: 'rucio-x509up', secret: { secretName: `${release}-rucio-x509up` } },
          { mountPath: '/opt/proxy', readOnly: true },
          where,
        );
        mounts.add(
          { name: 'rucio-ca-bundle', secret: { secretName: `${release}-rucio-ca-bundle` } },
          { mountPath: '/opt/certs', readOnly: true },
          where,
        );
      }
    }
    mounts.addSecretMounts(release, values.secretMounts, [...path, 'secretMounts']);
    mounts.addHostPathMounts(values.hostPathMounts, [...path, 'hostPathMounts']);
    mounts.addPersistentVolumes(values.persistentVolumes, [...path, 'persistentVolumes']);
    const { volumes, volumeMounts } = mounts.result();

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
        securityContext: {
          ...CONTAINER_SECURITY,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          runAsUser: 65534,
          capabilities: { drop: ['ALL'] },
        },
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
        securityContext: {
          ...CONTAINER_SECURITY,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          runAsUser: 65534,
          capabilities: { drop: ['ALL'] },
        },
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

    guardLabels([...path, 'podLabels'], values.podLabels, this.selector);
    const podAnnotations = sortedMap({
      ...values.podAnnotations,
      'checksum/config': checksum({
        config: config.json,
        httpd: sortedMap(httpd),
        wsgi: values.wsgi,
        logFormat: values.logFormat,
      }),
    });
    const preferSpread = values.service.externalTrafficPolicy === 'Local' && values.affinity === undefined;
    const deployment: IDeployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: this.fullname,
        labels,
        // The error-log sidecar only tails a file: it has no health signal to probe.
        annotations: undefinedIfEmpty(
          sortedMap({
            ...values.deploymentAnnotations,
            ...(values.exposeErrorLogs ? declare('no-probe-signal', ['httpd-error-log']) : {}),
            ...declareImageNeeds([SERVER_CHART], IMAGE_NEEDS.server),
          }),
        ),
      },
      spec: {
        ...(props.autoscaled ? {} : { replicas: values.replicaCount }),
        minReadySeconds: values.minReadySeconds,
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...this.selector } },
        strategy:
          values.strategy.type === 'Recreate'
            ? { type: 'Recreate' }
            : {
                type: 'RollingUpdate',
                rollingUpdate: values.strategy.rollingUpdate ?? { maxSurge: 1, maxUnavailable: 1 },
              },
        template: {
          metadata: { labels: sortedMap({ ...values.podLabels, ...this.selector }), annotations: podAnnotations },
          spec: {
            containers,
            volumes,
            terminationGracePeriodSeconds: values.terminationGracePeriodSeconds,
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            ...(values.serviceAccountName
              ? { serviceAccountName: values.serviceAccountName }
              : { automountServiceAccountToken: false }),
            ...(values.imagePullSecrets.length > 0 ? { imagePullSecrets: values.imagePullSecrets } : {}),
            ...(Object.keys(values.nodeSelector).length > 0 ? { nodeSelector: sortedMap(values.nodeSelector) } : {}),
            ...(values.affinity ? { affinity: values.affinity } : {}),
            ...(preferSpread
              ? {
                  affinity: {
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
                  },
                }
              : {}),
            ...(values.tolerations.length > 0 ? { tolerations: values.tolerations } : {}),
            ...(values.priorityClassName ? { priorityClassName: values.priorityClassName } : {}),
          },
        },
      },
    };
    this.deployment = new ApiObject(this, 'Resource', deployment as never);

    const svc = values.service;
    const annotations = {
      ...svc.annotations,
      ...(svc.useExternalDNS && values.hostname
        ? { 'external-dns.alpha.kubernetes.io/hostname': values.hostname }
        : {}),
    };
    new ApiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.fullname, labels, annotations: undefinedIfEmpty(sortedMap(annotations)) },
      spec: {
        type: svc.type,
        selector: { ...this.selector },
        ports: [{ name: svc.name, port: svc.port, targetPort: svc.targetPort, protocol: svc.protocol }],
        ...(svc.loadBalancerIP ? { loadBalancerIP: svc.loadBalancerIP } : {}),
        ...(svc.loadBalancerClass ? { loadBalancerClass: svc.loadBalancerClass } : {}),
        ...(svc.externalTrafficPolicy ? { externalTrafficPolicy: svc.externalTrafficPolicy } : {}),
        ...(svc.allocateLoadBalancerNodePorts === undefined
          ? {}
          : { allocateLoadBalancerNodePorts: svc.allocateLoadBalancerNodePorts }),
      },
    });

    if (values.ingress.enabled) {
      const ing = values.ingress;
      new ApiObject(this, 'Ingress', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: this.fullname, labels, annotations: undefinedIfEmpty(sortedMap(ing.annotations)) },
        spec: {
          ...(ing.ingressClassName ? { ingressClassName: ing.ingressClassName } : {}),
          rules: ing.hosts.map((host) => ({
            host,
            http: {
              paths: [
                {
                  path: ing.path,
                  pathType: 'Prefix',
                  backend: { service: { name: this.fullname, port: { number: svc.port } } },
                },
              ],
            },
          })),
          ...(ing.tls.length > 0
            ? { tls: ing.tls.map((t) => ({ secretName: t.secretName, hosts: t.hosts ?? ing.hosts })) }
            : {}),
        },
      });
    }

    if (values.ftsRenewal.enabled) {
      new FtsRenewal(this, 'FtsRenewal', {
        release,
        fullname: this.fullname,
        values: { ...values.ftsRenewal, schedule: values.ftsRenewal.schedule },
        imageRegistry: values.imageRegistry,
        labels,
      });
    }
    if (values.automaticRestart.enabled) {
      new AutomaticRestart(this, 'AutomaticRestart', {
        release,
        fullname: this.fullname,
        values: values.automaticRestart,
        imageRegistry: values.imageRegistry,
        defaultSelector: `app=${chartName}`,
        labels,
      });
    }
  }
}
