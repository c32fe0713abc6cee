/**
 * Values of filebeat: a DaemonSet shipping the Rucio pods' container logs, with Kubernetes metadata, to the external
 * logstash (the seed's logstash could not keep up inside the cluster).
 */
import { z } from 'zod';
import { dnsLabel, dnsSubdomain, pinnedImage, resources, toleration } from './common.js';
import { IMAGES } from './images.js';

/** `host:port` of a logstash beats input. */
const logstashHost = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*:[1-9][0-9]{0,4}$/,
    'expected host:port such as logstash.example.org:5044',
  );

/** Defaults of filebeat, in one place. */
export const FILEBEAT_DEFAULTS = {
  resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { cpu: '500m', memory: '500Mi' } },
  /** Run on every node, tainted ones included. */
  tolerations: [{ operator: 'Exists' }],
  dataHostPath: '/var/lib/rucio-filebeat',
  bulkMaxSize: 2048,
  worker: 2,
  timeoutSeconds: 30,
  queue: { events: 4096, flushMinEvents: 512, flushTimeoutSeconds: 5 },
  backoff: { initSeconds: 1, maxSeconds: 60 },
  monitoringPort: 5066,
} as const;

/** filebeat. */
export const filebeatSchema = z.strictObject({
  image: pinnedImage(IMAGES.filebeat),
  resources: resources.default(FILEBEAT_DEFAULTS.resources),
  tolerations: z.array(toleration).default([...FILEBEAT_DEFAULTS.tolerations]),
  /** Namespaces whose pods' logs are shipped; default the environment's namespace. */
  namespaces: z.array(dnsLabel).min(1).optional(),
  logstash: z.strictObject({
    /** The logstash beats inputs, `host:port`; events are balanced over them. */
    hosts: z.array(logstashHost).min(1),
    /** TLS towards logstash; certificates come from a Secret (`ca.crt`, and `tls.crt`/`tls.key` for a client certificate). */
    tls: z
      .strictObject({
        secretName: dnsSubdomain,
        /** Present `tls.crt`/`tls.key` as client certificate. */
        clientCertificate: z.boolean().default(false),
        verificationMode: z.enum(['full', 'strict', 'certificate']).default('full'),
      })
      .optional(),
    /** Events per batch sent to logstash. */
    bulkMaxSize: z.number().int().min(1).max(65536).default(FILEBEAT_DEFAULTS.bulkMaxSize),
    /** Connections per host. */
    worker: z.number().int().min(1).max(32).default(FILEBEAT_DEFAULTS.worker),
    timeoutSeconds: z.number().int().min(1).default(FILEBEAT_DEFAULTS.timeoutSeconds),
    /** Back-pressure: how long to back off after a failed send (doubling up to the maximum). */
    backoff: z
      .strictObject({
        initSeconds: z.number().int().min(1).default(FILEBEAT_DEFAULTS.backoff.initSeconds),
        maxSeconds: z.number().int().min(1).default(FILEBEAT_DEFAULTS.backoff.maxSeconds),
      })
      .prefault({}),
  }),
  /** The in-memory queue: filebeat stops reading when it is full, so a slow logstash slows shipping instead of losing lines. */
  queue: z
    .strictObject({
      events: z.number().int().min(64).default(FILEBEAT_DEFAULTS.queue.events),
      flushMinEvents: z.number().int().min(0).default(FILEBEAT_DEFAULTS.queue.flushMinEvents),
      flushTimeoutSeconds: z.number().int().min(0).default(FILEBEAT_DEFAULTS.queue.flushTimeoutSeconds),
    })
    .prefault({}),
  /** Node folder holding filebeat's registry (read offsets), so a restart neither loses nor re-ships lines. */
  dataHostPath: z.string().startsWith('/', 'expected an absolute path').default(FILEBEAT_DEFAULTS.dataHostPath),
  /** Extra fields on every event (`type: rucio-k8s-logs`). */
  fields: z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/), z.string()).default({}),
});

/** filebeat values, fully defaulted. */
export type FilebeatValues = z.infer<typeof filebeatSchema>;
