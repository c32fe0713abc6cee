/**
 * The environment's `autoscaling` key: KEDA ScaledObjects with Prometheus triggers for the daemons that get backlogs
 * (conveyor submitter, poller, finisher; reaper) and CPU HorizontalPodAutoscalers for servers. Every default lives in
 * `AUTOSCALING_DEFAULTS`.
 *
 * The seed's order for a transfer backlog, "first more submitters, then pollers, then finishers", is the order in
 * which the backlog moves through the request states, so each conveyor stage scales on its own stage of the queue
 * (`conveyor_queues_requests`, pushed by the `check_transfer_queues_status` probe):
 * - submitters on requests `queued` (not yet submitted to FTS);
 * - pollers on requests `submitted` (at FTS, waiting to be polled) — they only grow once submitters have turned the
 *   queued backlog into submitted requests;
 * - finishers on requests `done`/`failed` (polled, waiting to be finished).
 * On top, activation thresholds and scale-up stabilization windows are staggered (submitter 0 s, poller 120 s,
 * finisher 240 s), so a burst scales submitters first even when every stage has work.
 */
import { z } from 'zod';
import { dnsLabel } from './common.js';
import { metricName } from './monitoring.js';

/** The daemons that can be autoscaled, by value key. */
export const SCALABLE_DAEMONS = ['conveyorTransferSubmitter', 'conveyorPoller', 'conveyorFinisher', 'reaper'] as const;
export type ScalableDaemon = (typeof SCALABLE_DAEMONS)[number];

/** Defaults per scalable daemon: the request states (or backlog) it drains, thresholds and timing. */
export const AUTOSCALING_DEFAULTS = {
  prometheusAddress: 'http://prometheus-operated.monitoring.svc:9090',
  transferQueueMetric: 'conveyor_queues_requests',
  deletionBacklogMetric: 'rucio_probes_judge_deletable_files',
  daemons: {
    conveyorTransferSubmitter: {
      states: ['queued'],
      threshold: 20000,
      activationThreshold: 1000,
      scaleUpDelaySeconds: 0,
    },
    conveyorPoller: { states: ['submitted'], threshold: 20000, activationThreshold: 2000, scaleUpDelaySeconds: 120 },
    conveyorFinisher: {
      states: ['done', 'failed'],
      threshold: 20000,
      activationThreshold: 4000,
      scaleUpDelaySeconds: 240,
    },
    reaper: { states: [], threshold: 500000, activationThreshold: 50000, scaleUpDelaySeconds: 0 },
  },
  minReplicas: 1,
  cooldownPeriod: 300,
  pollingInterval: 30,
  scaleDownDelaySeconds: 600,
  server: { minReplicas: 1, targetCPUUtilizationPercentage: 75 },
} as const;

const replicas = z.number().int().min(1).max(100);

/** The scaler of one kind of daemon, with that kind's defaults. */
export function daemonScalerSchema(key: ScalableDaemon) {
  const d = AUTOSCALING_DEFAULTS.daemons[key];
  return z
    .strictObject({
      /** Fewest pods (at least 1: a daemon scaled to zero stops reporting and hides its backlog). */
      minReplicas: replicas.default(AUTOSCALING_DEFAULTS.minReplicas),
      /** Most pods; required, so every environment writes its own bound. */
      maxReplicas: replicas,
      /** Backlog per pod: KEDA runs ceil(backlog / threshold) pods. */
      threshold: z.number().positive().default(d.threshold),
      /** Backlog below which the daemon stays at minReplicas. */
      activationThreshold: z.number().nonnegative().default(d.activationThreshold),
      /** Replaces the backlog query derived from `transferQueueMetric`/`deletionBacklogMetric` (must return one number). */
      query: z
        .string()
        .min(1)
        .regex(/^[^\n\r]*$/, 'expected a single line')
        .optional(),
      /** Seconds a backlog must persist before scaling up (staggers submitters → pollers → finishers). */
      scaleUpDelaySeconds: z.number().int().min(0).max(3600).default(d.scaleUpDelaySeconds),
      /** Seconds of a smaller recommendation before scaling down. */
      scaleDownDelaySeconds: z.number().int().min(0).max(3600).default(AUTOSCALING_DEFAULTS.scaleDownDelaySeconds),
      /** KEDA's cool-down: seconds after the last active trigger before going back to minReplicas. */
      cooldownPeriod: z.number().int().min(0).default(AUTOSCALING_DEFAULTS.cooldownPeriod),
      /** Seconds between KEDA's queries. */
      pollingInterval: z.number().int().min(5).default(AUTOSCALING_DEFAULTS.pollingInterval),
    })
    .refine((s) => s.minReplicas <= s.maxReplicas, {
      message: 'minReplicas must not exceed maxReplicas',
      path: ['minReplicas'],
    });
}
export type DaemonScalerValues = z.infer<ReturnType<typeof daemonScalerSchema>>;

/** A CPU autoscaler of one server release. */
export const serverScalerSchema = z
  .strictObject({
    minReplicas: replicas.default(AUTOSCALING_DEFAULTS.server.minReplicas),
    maxReplicas: replicas,
    /** Average CPU use, in percent of the server container's request, that the HPA keeps. */
    targetCPUUtilizationPercentage: z
      .number()
      .int()
      .min(10)
      .max(100)
      .default(AUTOSCALING_DEFAULTS.server.targetCPUUtilizationPercentage),
  })
  .refine((s) => s.minReplicas <= s.maxReplicas, {
    message: 'minReplicas must not exceed maxReplicas',
    path: ['minReplicas'],
  });
export type ServerScalerValues = z.infer<typeof serverScalerSchema>;

/** The `autoscaling` key of an environment. */
export const autoscalingSchema = z.strictObject({
  /** The Prometheus KEDA queries (in-cluster URL). */
  prometheusAddress: z.url({ protocol: /^https?$/ }).default(AUTOSCALING_DEFAULTS.prometheusAddress),
  /** The gauge of requests by `state` (summed). */
  transferQueueMetric: metricName.default(AUTOSCALING_DEFAULTS.transferQueueMetric),
  /** The gauge of replicas waiting for deletion (summed). */
  deletionBacklogMetric: metricName.default(AUTOSCALING_DEFAULTS.deletionBacklogMetric),
  /** Daemons release → daemon value key → scaler. */
  daemons: z
    .record(
      dnsLabel,
      z.strictObject(
        Object.fromEntries(SCALABLE_DAEMONS.map((k) => [k, daemonScalerSchema(k).optional()])) as Record<
          ScalableDaemon,
          z.ZodOptional<ReturnType<typeof daemonScalerSchema>>
        >,
      ),
    )
    .default({}),
  /** Server release → CPU autoscaler. */
  servers: z.record(dnsLabel, serverScalerSchema).default({}),
});
export type AutoscalingValues = z.infer<typeof autoscalingSchema>;

/** Issues for scalers of releases the environment does not have (for `environmentSchema`'s superRefine). */
export function autoscalingIssues(env: {
  autoscaling?: AutoscalingValues;
  servers: Record<string, { replicaCount: number }>;
  daemons: Record<string, Record<string, unknown>>;
}): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const a = env.autoscaling;
  if (!a) return issues;
  for (const release of Object.keys(a.daemons)) {
    if (!env.daemons[release]) {
      const known = Object.keys(env.daemons);
      issues.push({
        path: ['autoscaling', 'daemons', release],
        message: `no daemons release '${release}' in this environment${known.length ? `; releases are ${known.join(', ')}` : ''}`,
      });
    }
  }
  for (const release of Object.keys(a.servers)) {
    const values = env.servers[release];
    if (!values)
      issues.push({
        path: ['autoscaling', 'servers', release],
        message: `no server release '${release}' in this environment`,
      });
  }
  return issues;
}

type Raw = Record<string, unknown>;
const rawObject = (v: unknown): Raw | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : undefined;

/**
 * A count on an autoscaled workload: the autoscaler owns its replicas (the Deployment has none), so the count would
 * change nothing and is refused, naming the autoscaling entry and how to change the scale. Read from the merged input
 * as written (before defaults), since only a count that is written is a mistake; `env` is that input.
 */
export function autoscaledCountIssues(env: unknown): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const root = rawObject(env);
  const autoscaling = rawObject(root?.autoscaling);
  if (!root || !autoscaling) return issues;
  const scale = (s: Raw | undefined, min: number) =>
    `minReplicas ${typeof s?.minReplicas === 'number' ? s.minReplicas : `${min} (default)`}, maxReplicas ${typeof s?.maxReplicas === 'number' ? s.maxReplicas : '(unset)'}`;
  for (const [release, scalers] of Object.entries(rawObject(autoscaling.daemons) ?? {})) {
    const values = rawObject(rawObject(root.daemons)?.[release]);
    if (!values) continue;
    for (const key of SCALABLE_DAEMONS) {
      const scaler = rawObject(rawObject(scalers)?.[key]);
      if (!scaler || values[`${key}Count`] === undefined) continue;
      issues.push({
        path: ['daemons', release, `${key}Count`],
        message:
          `${key} is autoscaled by autoscaling.daemons.${release}.${key} (KEDA, ${scale(scaler, AUTOSCALING_DEFAULTS.minReplicas)}), which owns its replicas, so ${key}Count would change nothing: ` +
          `remove ${key}Count (the autoscaling entry deploys the daemon) and change minReplicas/maxReplicas there instead`,
      });
    }
  }
  for (const [release, scaler] of Object.entries(rawObject(autoscaling.servers) ?? {})) {
    const values = rawObject(rawObject(root.servers)?.[release]);
    if (!values || values.replicaCount === undefined) continue;
    issues.push({
      path: ['servers', release, 'replicaCount'],
      message:
        `server release '${release}' is autoscaled by autoscaling.servers.${release} (HPA, ${scale(rawObject(scaler), AUTOSCALING_DEFAULTS.server.minReplicas)}), which owns its replicas, so replicaCount would change nothing: ` +
        'remove replicaCount and change minReplicas/maxReplicas there instead',
    });
  }
  return issues;
}

/**
 * The effective counts of autoscaled workloads: the autoscaling entry deploys them, so their count (which the file
 * does not set, see `autoscaledCountIssues`) is the autoscaler's minReplicas, the pods at rest. The Deployments carry
 * no replicas; the count tells the other components (alerts, dashboards) that the workload runs.
 */
export function withAutoscaledCounts<
  E extends {
    autoscaling?: AutoscalingValues;
    servers: Record<string, { replicaCount: number }>;
    daemons: Record<string, Record<string, unknown>>;
  },
>(env: E): E {
  const a = env.autoscaling;
  if (!a) return env;
  const daemons = { ...env.daemons };
  for (const [release, scalers] of Object.entries(a.daemons)) {
    const values = daemons[release];
    if (!values) continue;
    const counts: Record<string, number> = {};
    for (const key of SCALABLE_DAEMONS) {
      const s = scalers[key];
      if (s) counts[`${key}Count`] = s.minReplicas;
    }
    daemons[release] = { ...values, ...counts };
  }
  const servers = { ...env.servers };
  for (const [release, s] of Object.entries(a.servers)) {
    const values = servers[release];
    if (values) servers[release] = { ...values, replicaCount: s.minReplicas };
  }
  return { ...env, daemons, servers };
}
