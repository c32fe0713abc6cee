/**
 * The environment file `init` writes: a commented, working environment for a new Rucio instance (one server
 * release, one daemons release with the daemons a small instance needs, the Pushgateway, filebeat and the Flux
 * block), or a copy of an existing environment's file under the new name (`--from`).
 */

/** The daemons of the minimal profile, each with one pod and small resources. */
const MINIMAL_DAEMONS: ReadonlyArray<{ key: string; why: string; threads?: number }> = [
  { key: 'judgeEvaluator', why: 'evaluates new rules against new and changed DIDs', threads: 2 },
  { key: 'judgeCleaner', why: 'removes expired rules', threads: 2 },
  { key: 'judgeRepairer', why: 'repairs stuck rules', threads: 2 },
  { key: 'judgeInjector', why: 'injects asynchronous rules', threads: 2 },
  { key: 'conveyorTransferSubmitter', why: 'submits transfers to FTS', threads: 2 },
  { key: 'conveyorPoller', why: 'polls FTS for transfer states', threads: 2 },
  { key: 'conveyorFinisher', why: 'finishes transfers: replicas, rules, messages', threads: 2 },
  { key: 'reaper', why: 'deletes replicas that no rule needs', threads: 4 },
  { key: 'undertaker', why: 'expires DIDs past their lifetime' },
  { key: 'abacusAccount', why: 'keeps account usage up to date' },
  { key: 'abacusRse', why: 'keeps RSE usage up to date' },
  { key: 'hermes', why: 'sends messages to the broker and e-mail', threads: 1 },
];

/** The daemons profiles `--daemons` accepts. */
export const DAEMON_PROFILES = ['minimal', 'none'] as const;
export type DaemonProfile = (typeof DAEMON_PROFILES)[number];

export interface InitOptions {
  readonly name: string;
  readonly namespace: string;
  /** Server pods (0: no server release). */
  readonly servers: number;
  readonly daemons: DaemonProfile;
  readonly fluxUrl: string;
  /** The image tag of every Rucio release. */
  readonly tag: string;
  /** How the servers are reached: HAProxy in the cluster, or a Kubernetes Ingress. */
  readonly exposure?: 'haproxy' | 'ingress';
}

const q = (s: string) => JSON.stringify(s);

/** The text of a new environment file. */
export function minimalEnvironment(o: InitOptions): string {
  const server = `${o.name}-server`;
  const daemons = `${o.name}-daemons`;
  const lines: string[] = [
    '# yaml-language-server: $schema=../values/environment.schema.json',
    '#',
    `# ${o.name}: a new Rucio instance, written by 'rucio-gitops init ${o.name}'. It synthesizes as it is;`,
    '# replace the example.org placeholders, create the Secrets listed by `rucio-gitops prerequisites`, then',
    '# bootstrap Flux (init printed the commands). Every key is documented in values/REFERENCE.md.',
    `name: ${o.name}`,
    `namespace: ${o.namespace}`,
    '',
    'common:',
    '  # The Rucio release every server and daemon runs; `rucio-gitops promote` moves it between environments.',
    `  image: {tag: ${o.tag}}`,
    '  config:',
    '    common:',
    '      loglevel: INFO',
    '      logjson: true',
    '    database:',
    '      # The database URL holds a password: it comes from a Secret created outside git.',
    `      default: {secretKeyRef: {name: ${o.name}-db, key: url}}`,
    '      pool_size: 5',
    '      max_overflow: 10',
    '    conveyor:',
    '      transfertool: fts3',
    '      ftshosts: https://fts3.example.org:8446',
    '    messaging-hermes:',
    '      brokers: msg.example.org',
    '      port: 61123',
    '      destination: /topic/rucio.events',
    '      username: rucio',
    `      password: {secretKeyRef: {name: ${o.name}-broker, key: password}}`,
    '      use_ssl: false',
    '',
  ];
  if (o.servers > 0) {
    lines.push(
      'servers:',
      `  ${server}:`,
      `    replicaCount: ${o.servers}`,
      '    serverResources:',
      '      requests: {cpu: 500m, memory: 1Gi}',
      "      limits: {cpu: '2', memory: 2Gi}",
    );
    if (o.exposure === 'ingress')
      lines.push(
        '    # Reached through the cluster Ingress controller (TLS terminated there).',
        '    ingress:',
        '      enabled: true',
        `      hosts: [rucio-${o.name}.example.org]`,
      );
    lines.push('');
  }
  if (o.daemons === 'minimal') {
    lines.push(
      'daemons:',
      '  # The daemons a small instance needs, one pod each; raise a <daemon>Count or add daemons as it grows.',
      `  ${daemons}:`,
      `    fullnameOverride: ${daemons}`,
    );
    for (const d of MINIMAL_DAEMONS) {
      lines.push(`    # ${d.why}`, `    ${d.key}Count: 1`, `    ${d.key}:`);
      if (d.threads !== undefined) lines.push(`      threads: ${d.threads}`);
      lines.push(
        '      resources:',
        '        requests: {cpu: 100m, memory: 256Mi}',
        '        limits: {cpu: 500m, memory: 1Gi}',
      );
    }
    lines.push('');
  }
  if (o.exposure === 'haproxy' && o.servers > 0)
    lines.push(
      '# HAProxy in front of the server release, in the cluster (add VM servers to the list to share the load).',
      'haproxy:',
      '  frontends:',
      '    api:',
      '      port: 443',
      '      mode: http',
      '      servers:',
      `        - {release: ${server}}`,
      '',
    );
  lines.push(
    '# The Pushgateway the probes push to; every release reports its metrics there.',
    'pushgateway:',
    '  persistence: {size: 1Gi}',
    '',
    '# Container logs to an external logstash.',
    'filebeat:',
    '  logstash:',
    '    hosts: [logstash.example.org:5044]',
    '',
    '# Flux reads the deploy repository that `rucio-gitops publish` writes; the deploy key is a Secret created by',
    '# `flux create secret git` (see the next steps init printed).',
    'flux:',
    '  gitRepository:',
    `    url: ${q(o.fluxUrl)}`,
    '    branch: main',
    `    secretRef: ${o.name}-deploy-key`,
    '',
  );
  return lines.join('\n');
}

/** Another environment's file under a new name: the `name:` line replaced, the namespace when asked. */
export function copiedEnvironment(
  text: string,
  from: string,
  o: Pick<InitOptions, 'name' | 'namespace'> & { namespaceGiven: boolean },
): string {
  const header = `# ${o.name}: copied from ${from}.yaml by 'rucio-gitops init ${o.name} --from ${from}'.\n`;
  let out = text.replace(/^name:\s*\S+.*$/m, `name: ${o.name}`);
  if (o.namespaceGiven) {
    out = /^namespace:/m.test(out)
      ? out.replace(/^namespace:\s*\S+.*$/m, `namespace: ${o.namespace}`)
      : out.replace(/^name: .*$/m, (l) => `${l}\nnamespace: ${o.namespace}`);
  }
  return out.startsWith('# yaml-language-server')
    ? out.replace(/^(# yaml-language-server[^\n]*\n)/, `$1${header}`)
    : header + out;
}
