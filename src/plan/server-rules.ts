/**
 * Rules across the keys of a server release that each key's schema cannot see alone, where the image or the cluster
 * would break at run time while synth succeeds (issue 12, point 4). Each is a ValuesError at the key to edit, saying
 * what was received and what would work. Only a deployed release (`replicaCount` above 0) is checked: nothing else of
 * it is rendered.
 *
 * | rule | what breaks otherwise |
 * | --- | --- |
 * | `useSSL: true` needs a host certificate and key at `/etc/grid-security/hostcert.pem` / `hostkey.pem` (`tlsSecretName`, the implicit `<release>-server-hostcert`/`-hostkey` Secrets, or a mount) | mod_ssl cannot load the certificate and httpd exits: the pod crash-loops |
 * | `service.targetPort` is the port httpd listens on: `https`/443 with `useSSL`, `http`/80 without | the Service sends every request to a closed port |
 * | an enabled Ingress names at least one host | an Ingress with neither rules nor a default backend is refused by the API server, so Flux fails to apply the release |
 * | no Ingress on a release whose httpd expects the PROXY protocol (`httpd_config.proxy_protocol_enabled`, for HAProxy) | httpd refuses every connection that does not start with a PROXY header, and Ingress controllers send none |
 * | an Ingress in front of a `useSSL` release passes TLS through or speaks HTTPS to it (an `…ssl-passthrough`, `…backend-protocol` or `…serversscheme` annotation) | the controller speaks plain HTTP to port 443 (400 Bad Request), and X.509 client certificates never reach httpd |
 * | `service.useExternalDNS` needs `hostname` | the chart fails; here the annotation would silently be missing |
 *
 * An Ingress beside HAProxy is otherwise allowed: both front doors work (the Ingress's share of the load is outside
 * HAProxy's weights, which is the operator's choice).
 */
import { releaseExpectsProxy } from '../../values/haproxy.js';
import type { RucioServerValues } from '../../values/rucio-server.js';
import { ValuesError } from './errors.js';
import type { PodParts } from '../../constructs/shared/rucio-pod.js';

const HOSTCERT = '/etc/grid-security/hostcert.pem';
const HOSTKEY = '/etc/grid-security/hostkey.pem';

/** Whether some mount of the pod provides this file (the file itself, or a whole folder above it). */
function provides(pod: PodParts, file: string): boolean {
  return pod.volumeMounts.some((m) => {
    if (m.mountPath === file) return true;
    const dir = m.mountPath.endsWith('/') ? m.mountPath : `${m.mountPath}/`;
    return m.subPath === undefined && file.startsWith(dir);
  });
}

/** Annotation names (after the controller's prefix) that make an Ingress pass TLS through or speak HTTPS upstream. */
const TLS_UPSTREAM = ['ssl-passthrough', 'backend-protocol', 'service.serversscheme', 'secure-backends'];

/** Checks a deployed server release; throws a ValuesError at the first rule it breaks. */
export function checkServerRelease(release: string, values: RucioServerValues, pod: PodParts): void {
  if (values.replicaCount === 0) return;
  const at = (...key: string[]) => ['servers', release, ...key];
  const svc = values.service;

  if (values.useSSL) {
    const missing = [HOSTCERT, HOSTKEY].filter((f) => !provides(pod, f));
    if (missing.length > 0) {
      throw new ValuesError(
        at('useSSL'),
        `received true, but nothing mounts ${missing.join(' and ')}: httpd's mod_ssl cannot start without the host certificate and key. ` +
          'set tlsSecretName (a kubernetes.io/tls Secret, mounted as both), mount them with secretMounts, or set useSSL: false',
      );
    }
  }

  const target = String(svc.targetPort);
  const [served, other] = values.useSSL ? (['https', '443'] as const) : (['http', '80'] as const);
  const wrong = values.useSSL ? ['http', '80'] : ['https', '443'];
  if (wrong.includes(target)) {
    throw new ValuesError(
      at('service', 'targetPort'),
      `received ${JSON.stringify(svc.targetPort)}, but with useSSL: ${values.useSSL} httpd listens only on ${served} (${other}), so the Service would send every request to a closed port: ` +
        (values.useSSL
          ? 'set service: {port: 443, targetPort: https, name: https}'
          : 'set service.targetPort: http, or useSSL: true with a host certificate'),
    );
  }

  if (svc.useExternalDNS && !values.hostname) {
    throw new ValuesError(
      at('service', 'useExternalDNS'),
      'received true, but the release has no hostname for the external-dns annotation: set hostname, or remove useExternalDNS',
    );
  }

  const ing = values.ingress;
  if (!ing.enabled) return;
  if (ing.hosts.length === 0) {
    throw new ValuesError(
      at('ingress', 'hosts'),
      'received [], but an Ingress needs at least one host: without rules (and with no default backend) the API server refuses it and Flux cannot apply the release; name the host names, or set ingress.enabled: false',
    );
  }
  if (releaseExpectsProxy(values)) {
    throw new ValuesError(
      at('ingress', 'enabled'),
      'received true, but httpd expects the PROXY protocol (httpd_config.proxy_protocol_enabled, for HAProxy) and refuses every connection without it; Ingress controllers send none; ' +
        'reach this release through HAProxy only (ingress.enabled: false), or turn proxy_protocol_enabled off (and HAProxy proxyProtocol with it)',
    );
  }
  if (values.useSSL) {
    const tlsUpstream = Object.keys(ing.annotations).some((k) =>
      TLS_UPSTREAM.some((suffix) => k.endsWith(`/${suffix}`)),
    );
    if (!tlsUpstream) {
      throw new ValuesError(
        at('ingress', 'annotations'),
        'the release serves HTTPS (useSSL), but no annotation makes the Ingress controller pass TLS through or speak HTTPS to it: it would send plain HTTP to port 443 (400 Bad Request) and X.509 client certificates would never reach httpd; ' +
          `add e.g. nginx.ingress.kubernetes.io/ssl-passthrough: "true" (keeps X.509), or nginx.ingress.kubernetes.io/backend-protocol: HTTPS; accepted: an annotation ending in ${TLS_UPSTREAM.map((s) => `/${s}`).join(', ')}`,
      );
    }
  }
}
