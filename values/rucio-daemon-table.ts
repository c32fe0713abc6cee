/**
 * The 28 daemons of the rucio-daemons chart (chart 40), as one typed table.
 *
 * Each row says which values key turns the daemon on (`<key>Count`) and configures it (`<key>:`), which
 * `rucio-<binary>` the image runs (`RUCIO_DAEMON`), the name its objects carry, and how each of its settings becomes
 * a command-line flag in `RUCIO_DAEMON_ARGS`. The schema (`values/rucio-daemons.ts`) and the construct
 * (`constructs/rucio/rucio-daemon.ts`) are both derived from it: adding a daemon is one row.
 *
 * @see https://github.com/rucio/helm-charts/tree/master/charts/rucio-daemons
 */

/** How a setting is typed in the values and rendered on the command line. */
export type SettingKind =
  /** A non-negative integer: `--flag 5`. */
  | 'int'
  /** A free string, shell-quoted: `--flag 'value'`. */
  | 'string'
  /** An RSE or DID expression (may hold `&`, `|`, `\`, `=`), shell-quoted so it survives `eval`. */
  | 'expression'
  /** A list of names (activities): `--flag 'User Subscriptions' 'Express'`. */
  | 'names'
  /** A switch: `--flag` when true, nothing when false. */
  | 'flag';

/** One per-daemon setting; `K` is its key (every key of the table: {@link SettingKey}). */
export interface DaemonSetting<K extends string = SettingKey> {
  /** The key under the daemon's values block (`threads`, `bulk`, `sleepTime`). */
  readonly key: K;
  /** The command-line option the daemon binary takes. */
  readonly flag: string;
  readonly kind: SettingKind;
  /** The value used when the environment does not set one; `undefined` leaves the flag out. */
  readonly default?: number | boolean;
  /**
   * The key's value in chart 40's `values.yaml`, as the chart writes it (`"10"`, `0`, `"'test1' 'test2'"`), when it has
   * one. The import reads it as the value a release gets when its files do not set the key; the HelmRelease output
   * compares against it.
   */
  readonly chartDefault?: number | boolean | string;
  /**
   * Why our default differs from `chartDefault` in what the daemon runs with (listed in docs/upstream-differences.md);
   * required exactly when they differ, which a test checks.
   */
  readonly unlikeChart?: string;
  /** What the setting does, for the JSON Schema and the values reference. */
  readonly description: string;
}

/** Container resources of a daemon (requests and limits of CPU and memory). */
export interface DaemonResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Chart 40's default resources of most daemons (requests = limits). */
export const STANDARD_RESOURCES: DaemonResources = {
  requests: { cpu: '700m', memory: '200Mi' },
  limits: { cpu: '700m', memory: '200Mi' },
};
/** Chart 40's lighter requests for the daemons that do little work (automatix, cache-consumer, minos*, necromancer). */
export const LIGHT_RESOURCES: DaemonResources = {
  requests: { cpu: '100m', memory: '100Mi' },
  limits: { cpu: '700m', memory: '200Mi' },
};

/** One daemon of the chart; `K` is its values key (every daemon of the table: {@link DaemonKey}). */
export interface DaemonSpec<K extends string = DaemonKey, S extends string = SettingKey> {
  /** The values key (`conveyorTransferSubmitter`); `<valueKey>Count` is its replica count. */
  readonly valueKey: K;
  /** `RUCIO_DAEMON`: the image runs `rucio-<binary>`. */
  readonly binary: string;
  /** The name in object names and labels (`<fullname>-<name>`, `app: rucio-daemons-<name>`). */
  readonly name: string;
  readonly settings: readonly DaemonSetting<S>[];
  /** The container's resources when the release does not set them: chart 40's `<valueKey>.resources`. */
  readonly resources: DaemonResources;
  /** Literal env vars this daemon always gets. */
  readonly env?: Readonly<Record<string, string>>;
  /** hermes and hermes-legacy can talk to the broker over SSL with a client certificate. */
  readonly ssl?: boolean;
  /** The implicit Secrets upstream mounts when `useDeprecatedImplicitSecrets` is on. */
  readonly implicitSecrets: readonly ('proxy' | 'ca' | 'reaperCa')[];
  /** A one-line description for the JSON Schema. */
  readonly description: string;
}

const threads = (flag: string, description = 'worker threads', n = 1): DaemonSetting<'threads'> => ({
  key: 'threads',
  flag,
  kind: 'int',
  default: n,
  chartDefault: n,
  description,
});
const int = <K extends string>(key: K, flag: string, description: string, n?: number): DaemonSetting<K> => ({
  key,
  flag,
  kind: 'int',
  description,
  ...(n === undefined ? {} : { default: n, chartDefault: n }),
});
const expr = <K extends string>(key: K, flag: string, description: string): DaemonSetting<K> => ({
  key,
  flag,
  kind: 'expression',
  description,
});
const str = <K extends string>(key: K, flag: string, description: string): DaemonSetting<K> => ({
  key,
  flag,
  kind: 'string',
  description,
});
const names = <K extends string>(key: K, flag: string, description: string): DaemonSetting<K> => ({
  key,
  flag,
  kind: 'names',
  description,
});
const flag = <K extends string>(
  key: K,
  option: string,
  description: string,
  chartDefault?: number,
): DaemonSetting<K> => ({
  key,
  flag: option,
  kind: 'flag',
  default: false,
  ...(chartDefault === undefined ? {} : { chartDefault }),
  description,
});

const bulk = int('bulk', '--bulk', 'requests handled per bulk');
const sleepTime = int('sleepTime', '--sleep-time', 'seconds to sleep between cycles');
/** The submitter's and the stager's cycle: the chart's 10 s (the daemons' own default is 600 s). */
const conveyorSleepTime = int('sleepTime', '--sleep-time', 'seconds to sleep between cycles', 10);
const activities = names('activities', '--activities', 'activities to work on (all when unset)');
/** The chart's placeholder activities, which no real instance has: we leave the flag out (all activities). */
const conveyorActivities: DaemonSetting<'activities'> = {
  ...activities,
  chartDefault: "'test1' 'test2'",
  unlikeChart:
    "the chart's default `--activities 'test1' 'test2'` names two placeholder activities no instance has, so a submitter or stager on the chart's defaults works on nothing; without the key ours works on every activity. To keep the chart's behaviour, write the activities you run",
};
const grid = { GLOBUS_THREAD_MODEL: 'pthread', X509_USER_PROXY: '/opt/proxy/x509up' } as const;

/** The table as written: `as const`, so that its values keys and setting keys are types. */
const TABLE = [
  {
    valueKey: 'abacusAccount',
    resources: STANDARD_RESOURCES,
    binary: 'abacus-account',
    name: 'abacus-account',
    implicitSecrets: ['proxy', 'ca'],
    description: 'updates account usage counters',
    settings: [threads('--threads')],
  },
  {
    valueKey: 'abacusCollectionReplica',
    resources: STANDARD_RESOURCES,
    binary: 'abacus-collection-replica',
    name: 'abacus-collection-replica',
    implicitSecrets: ['proxy', 'ca'],
    description: 'updates collection replica counters',
    settings: [threads('--threads')],
  },
  {
    valueKey: 'abacusRse',
    resources: STANDARD_RESOURCES,
    binary: 'abacus-rse',
    name: 'abacus-rse',
    implicitSecrets: ['proxy', 'ca'],
    description: 'updates RSE usage counters',
    settings: [
      flag('fillHistoryTable', '--enable-history', 'also fill the RSE usage history table', 0),
      threads('--threads'),
    ],
  },
  {
    valueKey: 'automatix',
    resources: LIGHT_RESOURCES,
    binary: 'automatix',
    name: 'automatix',
    implicitSecrets: ['proxy', 'ca', 'reaperCa'],
    description: 'uploads test files for functional tests',
    env: { X509_USER_PROXY: '/opt/proxy/x509up' },
    settings: [
      threads('--threads-per-process'),
      str('inputFile', '--input-file', 'JSON file describing the uploads'),
      int('sleepTime', '--sleep-time', 'seconds to sleep between cycles', 30),
    ],
  },
  {
    valueKey: 'cacheConsumer',
    resources: LIGHT_RESOURCES,
    binary: 'cache-consumer',
    name: 'cache-consumer',
    implicitSecrets: [],
    description: 'consumes cache messages from the broker',
    settings: [threads('--num-thread')],
  },
  {
    valueKey: 'conveyorTransferSubmitter',
    resources: STANDARD_RESOURCES,
    binary: 'conveyor-submitter',
    name: 'conveyor-submitter',
    implicitSecrets: ['proxy', 'ca'],
    description: 'submits transfers to FTS',
    settings: [
      threads('--total-threads'),
      bulk,
      int('groupBulk', '--group-bulk', 'transfers grouped per FTS job'),
      str('groupPolicy', '--group-policy', 'how transfers are grouped into FTS jobs'),
      flag('mock', '--mock', 'submit to a mock FTS'),
      str('sourceStrategy', '--source-strategy', 'how sources are chosen'),
      expr('excludeRses', '--exclude-rses', 'RSE expression to leave out'),
      expr('includeRses', '--include-rses', 'RSE expression to work on'),
      expr('rses', '--rses', 'explicit RSE list'),
      conveyorSleepTime,
      conveyorActivities,
      names('excludeActivities', '--exclude-activities', 'activities to leave out'),
      int('maxSources', '--max-sources', 'sources per transfer'),
      flag('ignoreAvailability', '--ignore-availability', 'submit to RSEs marked unavailable'),
      flag('retryOtherFts', '--retry-other-fts', 'retry on another FTS server'),
      int('archiveTimeout', '--archive-timeout-override', 'archive timeout in seconds'),
    ],
  },
  {
    valueKey: 'conveyorPoller',
    resources: STANDARD_RESOURCES,
    binary: 'conveyor-poller',
    name: 'conveyor-poller',
    implicitSecrets: ['proxy', 'ca'],
    description: 'polls FTS for transfer states',
    settings: [
      threads('--total-threads'),
      int('dbBulk', '--db-bulk', 'requests read from the database per bulk'),
      int('ftsBulk', '--fts-bulk', 'jobs queried per FTS call'),
      sleepTime,
      activities,
      int('olderThan', '--older-than', 'only poll transfers older than this many seconds'),
      str('activitiesShare', '--activity-shares', 'JSON map of activity shares'),
    ],
  },
  {
    valueKey: 'conveyorFinisher',
    resources: STANDARD_RESOURCES,
    binary: 'conveyor-finisher',
    name: 'conveyor-finisher',
    implicitSecrets: ['proxy', 'ca'],
    description: 'updates replicas and rules when transfers end',
    settings: [
      threads('--total-threads'),
      int('dbBulk', '--db-bulk', 'requests read from the database per bulk'),
      bulk,
      sleepTime,
      activities,
    ],
  },
  {
    valueKey: 'conveyorReceiver',
    resources: STANDARD_RESOURCES,
    binary: 'conveyor-receiver',
    name: 'conveyor-receiver',
    implicitSecrets: ['proxy', 'ca'],
    description: 'receives FTS transfer messages from the broker',
    settings: [threads('--total-threads')],
  },
  {
    valueKey: 'conveyorStager',
    resources: STANDARD_RESOURCES,
    binary: 'conveyor-stager',
    name: 'conveyor-stager',
    implicitSecrets: ['proxy', 'ca'],
    description: 'submits staging requests for tape',
    settings: [threads('--total-threads'), bulk, conveyorSleepTime, conveyorActivities],
  },
  {
    valueKey: 'conveyorThrottler',
    resources: STANDARD_RESOURCES,
    binary: 'conveyor-throttler',
    name: 'conveyor-throttler',
    implicitSecrets: ['proxy', 'ca'],
    description: 'releases waiting requests by the throttler limits',
    settings: [sleepTime],
  },
  {
    valueKey: 'conveyorPreparer',
    resources: STANDARD_RESOURCES,
    binary: 'conveyor-preparer',
    name: 'conveyor-preparer',
    implicitSecrets: ['proxy', 'ca'],
    description: 'chooses sources and transfer tools before submission',
    settings: [
      threads('--threads'),
      bulk,
      sleepTime,
      flag('ignoreAvailability', '--ignore-availability', 'prepare for RSEs marked unavailable'),
      flag('runOnce', '--run-once', 'run one cycle and exit'),
    ],
  },
  {
    valueKey: 'darkReaper',
    resources: STANDARD_RESOURCES,
    binary: 'dark-reaper',
    name: 'dark-reaper',
    implicitSecrets: ['proxy', 'reaperCa'],
    env: grid,
    description: 'deletes dark files reported by consistency checks',
    settings: [
      {
        key: 'workers',
        flag: '--total-workers',
        kind: 'int',
        default: 1,
        chartDefault: 1,
        description: 'worker processes',
      },
      str('scheme', '--scheme', 'protocol scheme for deletion'),
      expr('includeRses', '--include-rses', 'RSE expression to work on'),
      expr('rses', '--rses', 'explicit RSE list'),
      { ...int('chunkSize', '--chunk-size', 'replicas per chunk', 10), chartDefault: '10' },
      expr('excludeRses', '--exclude-rses', 'RSE expression to leave out'),
    ],
  },
  {
    valueKey: 'hermes',
    resources: STANDARD_RESOURCES,
    binary: 'hermes',
    name: 'hermes',
    implicitSecrets: [],
    ssl: true,
    description: 'delivers messages to the broker and e-mail (was hermes2 until 2023)',
    settings: [threads('--threads'), int('bulk', '--bulk', 'messages handled per bulk', 1000)],
  },
  {
    valueKey: 'hermesLegacy',
    resources: STANDARD_RESOURCES,
    binary: 'hermes-legacy',
    name: 'hermes-legacy',
    implicitSecrets: [],
    ssl: true,
    description: 'the old hermes (was hermes until 2023)',
    settings: [
      threads('--threads'),
      int('bulk', '--bulk', 'messages handled per bulk', 100),
      int('sleepTime', '--sleep-time', 'seconds to sleep between cycles', 10),
      int('brokerTimeout', '--broker-timeout', 'seconds to wait for the broker', 3),
      int('brokerRetry', '--broker-retry', 'reconnection attempts'),
    ],
  },
  {
    valueKey: 'judgeCleaner',
    resources: STANDARD_RESOURCES,
    binary: 'judge-cleaner',
    name: 'judge-cleaner',
    implicitSecrets: ['proxy', 'ca'],
    description: 'removes expired replication rules',
    settings: [threads('--threads')],
  },
  {
    valueKey: 'judgeEvaluator',
    resources: STANDARD_RESOURCES,
    binary: 'judge-evaluator',
    name: 'judge-evaluator',
    implicitSecrets: ['proxy', 'ca'],
    description: 're-evaluates rules when DIDs change',
    settings: [threads('--threads'), sleepTime, int('didLimit', '--did-limit', 'DIDs evaluated per cycle')],
  },
  {
    valueKey: 'judgeInjector',
    resources: STANDARD_RESOURCES,
    binary: 'judge-injector',
    name: 'judge-injector',
    implicitSecrets: ['proxy', 'ca'],
    description: 'injects asynchronous rules',
    settings: [threads('--threads')],
  },
  {
    valueKey: 'judgeRepairer',
    resources: STANDARD_RESOURCES,
    binary: 'judge-repairer',
    name: 'judge-repairer',
    implicitSecrets: ['proxy', 'ca'],
    description: 'repairs stuck rules',
    settings: [threads('--threads')],
  },
  {
    valueKey: 'minos',
    resources: LIGHT_RESOURCES,
    binary: 'minos',
    name: 'minos',
    implicitSecrets: ['proxy', 'ca'],
    description: 'declares bad replicas',
    settings: [threads('--threads'), bulk, sleepTime],
  },
  {
    valueKey: 'minosTemporaryExpiration',
    resources: LIGHT_RESOURCES,
    binary: 'minos-temporary-expiration',
    name: 'minos-temporary-expiration',
    implicitSecrets: ['proxy', 'ca'],
    description: 'expires temporarily unavailable replicas',
    settings: [threads('--threads'), bulk, sleepTime],
  },
  {
    valueKey: 'necromancer',
    resources: LIGHT_RESOURCES,
    binary: 'necromancer',
    name: 'necromancer',
    implicitSecrets: ['proxy', 'ca'],
    description: 'recovers or removes lost replicas',
    // The chart's values.yaml gives the necromancer no threads, so it passes no --threads.
    settings: [int('threads', '--threads', 'worker threads'), bulk],
  },
  {
    valueKey: 'oauthManager',
    resources: STANDARD_RESOURCES,
    binary: 'oauth-manager',
    name: 'oauth-manager',
    implicitSecrets: ['ca'],
    description: 'refreshes and removes OAuth tokens',
    settings: [
      threads('--threads'),
      int('loopRate', '--loop-rate', 'seconds per cycle'),
      int('maxRows', '--max-rows', 'tokens per cycle'),
    ],
  },
  {
    valueKey: 'reaper',
    resources: STANDARD_RESOURCES,
    binary: 'reaper',
    name: 'reaper',
    implicitSecrets: ['proxy', 'reaperCa'],
    env: grid,
    description: 'deletes replicas (was reaper2 until chart 1.31)',
    settings: [
      flag('greedy', '--greedy', 'delete everything eligible, not only what space needs', 0),
      threads('--threads', 'worker threads', 4),
      str('scheme', '--scheme', 'protocol scheme for deletion'),
      expr('includeDids', '--include-dids', 'DID expression to work on'),
      expr('excludeDids', '--exclude-dids', 'DID expression to leave out'),
      expr('includeRses', '--include-rses', 'RSE expression to work on'),
      expr('excludeRses', '--exclude-rses', 'RSE expression to leave out'),
      expr('rses', '--rses', 'explicit RSE list'),
      int('chunkSize', '--chunk-size', 'replicas per chunk'),
      int('delaySeconds', '--delay-seconds', 'seconds before a replica may be deleted'),
      sleepTime,
    ],
  },
  {
    valueKey: 'replicaRecoverer',
    resources: STANDARD_RESOURCES,
    binary: 'replica-recoverer',
    name: 'replica-recoverer',
    implicitSecrets: ['proxy', 'ca'],
    description: 'recovers suspicious replicas',
    settings: [
      sleepTime,
      str('inputFile', '--json-file-name', 'JSON policy file'),
      flag('activeMode', '--active-mode', 'act, do not only report'),
      int('limitSuspiciousFilesOnRse', '--limit-suspicious-files-on-rse', 'most suspicious files per RSE'),
      int('youngerThan', '--younger-than', 'days back to look for suspicious replicas'),
      int('nAttempts', '--nattempts', 'declarations before a replica counts as suspicious'),
    ],
  },
  {
    valueKey: 'tracerKronos',
    resources: STANDARD_RESOURCES,
    binary: 'kronos',
    name: 'tracer-kronos',
    implicitSecrets: [],
    description: 'consumes traces and updates access times',
    settings: [
      threads('--threads'),
      int('sleepTimeFiles', '--sleep-time-files', 'seconds between file updates'),
      int('sleepTimeDatasets', '--sleep-time-datasets', 'seconds between dataset updates'),
    ],
  },
  {
    valueKey: 'transmogrifier',
    resources: STANDARD_RESOURCES,
    binary: 'transmogrifier',
    name: 'transmogrifier',
    implicitSecrets: ['proxy', 'ca'],
    description: 'creates rules from subscriptions',
    settings: [threads('--threads'), bulk, sleepTime],
  },
  {
    valueKey: 'undertaker',
    resources: STANDARD_RESOURCES,
    binary: 'undertaker',
    name: 'undertaker',
    implicitSecrets: ['proxy'],
    description: 'deletes expired DIDs',
    settings: [threads('--total-workers', 'worker processes'), int('chunkSize', '--chunk-size', 'DIDs per chunk')],
  },
] as const satisfies readonly DaemonSpec<string, string>[];

/** The values key of a daemon (`abacusAccount`, …, `undertaker`). */
export type DaemonKey = (typeof TABLE)[number]['valueKey'];
/** A setting key of any daemon (`threads`, `bulk`, `sleepTime`, …). */
export type SettingKey = (typeof TABLE)[number]['settings'][number]['key'];

/** All daemons, in the chart's order. */
export const DAEMONS: readonly DaemonSpec[] = TABLE;

/** The table by values key. */
export const DAEMONS_BY_KEY: ReadonlyMap<string, DaemonSpec> = new Map(DAEMONS.map((d) => [d.valueKey, d]));
