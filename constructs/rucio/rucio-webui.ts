/**
 * One rucio-webui release: the Next.js WebUI (under pm2) behind httpd, talking to the Rucio API and auth servers.
 *
 * The chart's object contract (`charts/rucio-webui`, see `values/rucio-webui.ts` for the values table):
 *
 * | object                  | name         | what                                                                      |
 * | ----------------------- | ------------ | ------------------------------------------------------------------------- |
 * | Deployment              | `<fullname>` | labels `app`, `chart`, `release`, `heritage`; selector `app` + `release`  |
 * | container `rucio-webui` |              | ports `http` 80 and, with useSSL, `https` 443; the `RUCIO_*` env vars     |
 * | containers `httpd-error-log`, `webui-log` |  | busybox tailing httpd's error log and pm2's logs (`config.logs`)   |
 * | Service                 | `<fullname>` | `app` + `release` selector; 443/`https` with useSSL, else 80/`http`       |
 * | Ingress                 | `<fullname>` | when `ingress.enabled`: one rule per host, path prefix, TLS by Secret name |
 *
 * Better than the chart: readiness and liveness probes (`GET /` on the serving port, HTTPS with useSSL; the chart has
 * none), requests and limits on every container, pinned images (busybox too), and a `checksum/config` pod
 * annotation over the env and mounts. Not written: the chart's `<fullname>.config.yaml` Secret (it holds the whole
 * `config`, OIDC client secrets included, and no container mounts it).
 */
import { type ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { IMAGES, imageRef } from '../../values/images.js';
import type { RucioWebuiValues } from '../../values/rucio-webui.js';
import { declare, declareImageNeeds, IMAGE_NEEDS } from '../shared/declarations.js';
import { CHART_VERSION, CONTAINER_SECURITY, MANAGED_BY, SIDECAR_SECURITY } from '../shared/rucio-pod.js';
import { releaseDeployment } from './release-deployment.js';
import { releaseIngress, releaseService } from './release-service.js';

/** The chart name: the `chart` label's prefix and the main container's name. */
const CHART = 'rucio-webui';

/** The log sidecars: what each prints, from which volume. */
const SIDECARS = {
  'httpd-error-log': { volume: 'httpdlog', dir: '/var/log/httpd', files: ['/var/log/httpd/error_log'] },
  'webui-log': {
    volume: 'webui-log',
    dir: '/var/log/webui',
    files: ['/var/log/webui/rucio-webui-out.log', '/var/log/webui/rucio-webui-error.log'],
  },
} as const;

/** Props of a WebUI release: its values and what the plan resolved from them (`src/plan/rucio-webui.ts`). */
export interface RucioWebuiProps {
  /** The release name (`webuiint`). */
  readonly release: string;
  /** The values as parsed (read only: nothing here rewrites them). */
  readonly values: RucioWebuiValues;
  /** The name of the Deployment, Service and Ingress. */
  readonly fullname: string;
  /** The `app` label (`nameOverride`, else the chart name). */
  readonly app: string;
  /** The container port the WebUI serves on: `https` (443) with useSSL, else `http` (80). */
  readonly servingPort: 'http' | 'https';
  /** The Service's port, target port and port name. */
  readonly service: { readonly port: number; readonly targetPort: number | 'http' | 'https'; readonly name: string };
  /** The WebUI container's env. */
  readonly env: readonly IEnvVar[];
  /** The pod's volumes, as the plan resolved them. */
  readonly volumes: readonly IVolume[];
  /** The WebUI container's mounts, as the plan resolved them. */
  readonly volumeMounts: readonly IVolumeMount[];
  /** The `checksum/config` pod annotation. */
  readonly checksum: string;
}

/** A rucio-webui release. */
export class RucioWebui extends Construct {
  /** The name of the Deployment and the Service. */
  readonly fullname: string;
  /** The Service's port (what HAProxy targets). */
  readonly servicePort: number;
  /** The Deployment, unless `replicaCount` is 0. */
  readonly deployment?: ApiObject;

  constructor(scope: Construct, id: string, props: RucioWebuiProps) {
    super(scope, id);
    const plan = props;
    const values: RucioWebuiValues = plan.values;
    this.fullname = plan.fullname;
    this.servicePort = plan.service.port;
    if (values.replicaCount === 0) return;
    const selector = { app: plan.app, release: plan.release };
    const labels = { app: plan.app, chart: `${CHART}-${CHART_VERSION}`, release: plan.release, heritage: MANAGED_BY };

    const scheme = plan.servingPort === 'https' ? 'HTTPS' : 'HTTP';
    const probe = (t: RucioWebuiValues['readinessProbe']): IProbe => ({
      httpGet: { path: '/', port: plan.servingPort, scheme },
      initialDelaySeconds: t.initialDelaySeconds,
      periodSeconds: t.periodSeconds,
      timeoutSeconds: t.timeoutSeconds,
      failureThreshold: t.failureThreshold,
    });
    const busybox = imageRef(IMAGES.busybox.repository, IMAGES.busybox.tag, values.imageRegistry);
    const sidecars = (Object.keys(SIDECARS) as (keyof typeof SIDECARS)[])
      .filter((name) =>
        name === 'httpd-error-log' ? values.config.logs.exposeHttpdLogs : values.config.logs.exposeWebuiLogs,
      )
      .map((name): IContainer => {
        const s = SIDECARS[name];
        const files = s.files.join(' ');
        return {
          name,
          image: busybox,
          imagePullPolicy: 'IfNotPresent',
          // The files appear once httpd or pm2 writes them: create them so tail starts at once.
          args: ['/bin/sh', '-c', `touch ${files} && exec tail -n+1 -F ${files}`],
          resources: values.logSidecarResources,
          // Only reads the logs in the shared emptyDir: no reason to be root.
          securityContext: SIDECAR_SECURITY,
          volumeMounts: [{ name: s.volume, mountPath: s.dir }],
        };
      });
    const webui: IContainer = {
      name: CHART,
      image: imageRef(values.image.repository, values.image.tag, values.imageRegistry),
      imagePullPolicy: values.image.pullPolicy,
      env: [...plan.env],
      ports: [
        { name: 'http', containerPort: 80, protocol: 'TCP' },
        ...(values.useSSL ? [{ name: 'https', containerPort: 443, protocol: 'TCP' as const }] : []),
      ],
      readinessProbe: probe(values.readinessProbe),
      livenessProbe: probe(values.livenessProbe),
      resources: values.resources,
      securityContext: CONTAINER_SECURITY,
      volumeMounts: [...plan.volumeMounts],
    };

    this.deployment = releaseDeployment(this, 'Resource', {
      name: this.fullname,
      labels,
      annotations: {
        ...values.deploymentAnnotations,
        // The log sidecars only tail files: they have no health signal to probe.
        ...(sidecars.length > 0
          ? declare(
              'no-probe-signal',
              sidecars.map((c) => c.name),
            )
          : {}),
        ...declareImageNeeds([CHART], IMAGE_NEEDS.webui),
      },
      replicas: values.replicaCount,
      minReadySeconds: values.minReadySeconds,
      strategy: values.strategy,
      selector,
      podLabels: values.podLabels,
      podAnnotations: values.podAnnotations,
      checksum: plan.checksum,
      containers: [...sidecars, webui],
      volumes: plan.volumes,
      serviceAccountName: values.serviceAccountName,
      imagePullSecrets: values.imagePullSecrets,
      scheduling: { nodeSelector: values.nodeSelector, affinity: values.affinity, tolerations: values.tolerations },
    });

    releaseService(this, 'Service', {
      name: this.fullname,
      labels,
      selector,
      service: values.service,
      port: { name: plan.service.name, port: plan.service.port, targetPort: plan.service.targetPort, protocol: 'TCP' },
      hostname: values.hostname,
    });
    releaseIngress(this, 'Ingress', {
      name: this.fullname,
      labels,
      ingress: values.ingress,
      servicePort: plan.service.port,
    });
  }
}
