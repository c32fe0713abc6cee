/**
 * Bad input for HAProxy, the Pushgateway and filebeat: each is one clear problem naming the file, line and key, and
 * synth writes nothing.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { parseDocument } from 'yaml';
import { main } from '../../src/cli/main.js';
import { editedEnvironments } from './helpers.js';

type Doc = ReturnType<typeof parseDocument>;

async function synth(
  file: string,
  edit: (doc: Doc) => void,
): Promise<{ code: number; stderr: string; written: string[] }> {
  const dir = editedEnvironments(file, edit);
  const out = join(mkdtempSync(join(tmpdir(), 'rucio-out-')), 'dist');
  let stderr = '';
  const code = await main(['synth', '--environments', dir, '--out', out], {
    stdout: () => {},
    stderr: (t) => (stderr += t),
  });
  return { code, stderr, written: existsSync(out) ? readdirSync(out, { recursive: true }).map(String) : [] };
}

const cases: { name: string; file: string; edit: (doc: Doc) => void; key: string; message: RegExp }[] = [
  {
    name: 'a backend naming a release that does not exist',
    file: 'integration.yaml',
    edit: (doc) => doc.setIn(['haproxy', 'frontends', 'api', 'servers', 0, 'release'], 'serverintt'),
    key: 'haproxy.frontends.api.servers.0.release',
    message: /no server release 'serverintt' in this environment; server releases are: serverint/,
  },
  {
    name: 'a backend release in an environment without servers',
    file: 'production.yaml',
    edit: (doc) =>
      doc.setIn(['haproxy', 'frontends', 'api', 'servers', 0], doc.createNode({ release: 'serverprod', weight: 5 })),
    key: 'haproxy.frontends.api.servers.0.release',
    message: /no server release 'serverprod'.*\(none: use host for a VM server\)/,
  },
  {
    name: 'a negative weight',
    file: 'integration.yaml',
    edit: (doc) => doc.setIn(['haproxy', 'frontends', 'api', 'servers', 1, 'weight'], -5),
    key: 'haproxy.frontends.api.servers.1.weight',
    message: /expected a number at least 0, received -5/,
  },
  {
    name: 'all weights zero',
    file: 'production.yaml',
    edit: (doc) => {
      const servers = doc.getIn(['haproxy', 'frontends', 'auth', 'servers']) as { items: unknown[] };
      servers.items.forEach((_, i) => doc.setIn(['haproxy', 'frontends', 'auth', 'servers', i, 'weight'], 0));
    },
    key: 'haproxy.frontends.auth.servers',
    message: /every server has weight 0/,
  },
  {
    name: 'a Pushgateway address that is not host:port',
    file: '_rucio.yaml',
    edit: (doc) => doc.setIn(['pushgateway', 'address'], 'http://pushgateway.rucio.svc:9091/'),
    key: 'pushgateway.address',
    message: /expected host:port such as pushgateway\.rucio\.svc:9091/,
  },
  {
    name: 'a Pushgateway address without a port',
    file: '_rucio.yaml',
    edit: (doc) => doc.setIn(['pushgateway', 'address'], 'pushgateway.rucio.svc'),
    key: 'pushgateway.address',
    message: /expected host:port/,
  },
  {
    name: 'no logstash host',
    file: '_rucio.yaml',
    edit: (doc) => doc.setIn(['filebeat', 'logstash', 'hosts'], doc.createNode([])),
    key: 'filebeat.logstash.hosts',
    message: /expected a list of at least 1 item, received a list of 0/,
  },
  {
    name: 'no logstash block at all',
    file: '_rucio.yaml',
    edit: (doc) => doc.deleteIn(['filebeat', 'logstash']),
    key: 'filebeat.logstash',
    message: /./,
  },
  {
    name: 'a logstash host without port',
    file: '_rucio.yaml',
    edit: (doc) => doc.setIn(['filebeat', 'logstash', 'hosts'], doc.createNode(['logstash.example.org'])),
    key: 'filebeat.logstash.hosts.0',
    message: /expected host:port such as logstash\.example\.org:5044/,
  },
  {
    name: 'X.509 through an http frontend',
    file: 'integration.yaml',
    edit: (doc) => doc.setIn(['haproxy', 'frontends', 'api', 'mode'], 'http'),
    key: 'haproxy.frontends.api.mode',
    message: /serves HTTPS \(useSSL\).*use mode tcp/,
  },
  {
    name: 'the PROXY protocol sent to a release that does not accept it',
    file: 'integration.yaml',
    edit: (doc) => doc.setIn(['haproxy', 'frontends', 'api', 'proxyProtocol'], true),
    key: 'haproxy.frontends.api.proxyProtocol',
    message: /does not accept it: set servers\.serverint\.httpd_config\.proxy_protocol_enabled: true/,
  },
  {
    name: 'a release expecting the PROXY protocol that HAProxy does not send',
    file: 'integration.yaml',
    edit: (doc) => doc.setIn(['servers', 'serverint', 'httpd_config', 'proxy_protocol_enabled'], true),
    key: 'haproxy.frontends.api.proxyProtocol',
    message: /expects the PROXY protocol .* set proxyProtocol: true/,
  },
  {
    name: 'a TLS server behind an http frontend',
    file: 'integration.yaml',
    edit: (doc) => doc.setIn(['haproxy', 'frontends', 'trace', 'servers', 1, 'tls'], true),
    key: 'haproxy.frontends.trace.servers.1.tls',
    message: /an http frontend speaks plain HTTP to its servers/,
  },
  {
    name: 'two frontends on one port',
    file: 'integration.yaml',
    edit: (doc) => doc.setIn(['haproxy', 'frontends', 'trace', 'port'], 443),
    key: 'haproxy.frontends.trace.port',
    message: /port 443 is already used by frontend 'api'/,
  },
  {
    name: 'weight on a release that runs no pod',
    file: 'integration.yaml',
    edit: (doc) => doc.setIn(['servers', 'serverint', 'replicaCount'], 0),
    key: 'haproxy.frontends.api.servers.0.weight',
    message: /release 'serverint' has replicaCount 0 and no Service: set its weight to 0/,
  },
  {
    name: 'probes without a Pushgateway',
    file: '_rucio.yaml',
    edit: (doc) => doc.deleteIn(['pushgateway']),
    key: 'probes',
    message: /push their results to the Pushgateway: add a pushgateway block/,
  },
  {
    name: 'a probe interval that cron cannot express',
    file: '_rucio.yaml',
    edit: (doc) => doc.setIn(['probes', 'probes', 'check_new_dids', 'interval'], 90),
    key: 'probes.probes.check_new_dids.interval',
    message: /./,
  },
  {
    name: 'a single HAProxy replica',
    file: 'integration.yaml',
    edit: (doc) => doc.setIn(['haproxy', 'replicas'], 1),
    key: 'haproxy.replicas',
    message: /expected a number at least 2, received 1/,
  },
];

describe('bad input: one clear problem at the key, nothing written', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { code, stderr, written } = await synth(c.file, c.edit);
      expect(code).toBe(1);
      expect(written).toEqual([]);
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
      const line = stderr.split('\n').find((l) => l.includes(`  ${c.key}: `));
      expect(line, stderr).toBeDefined();
      expect(line).toMatch(new RegExp(`/${c.file.replace('.', '\\.')}:\\d+  `));
      expect(line).toMatch(c.message);
    });
  }

  it('the bundled environments synthesize (the cases above start from valid files)', async () => {
    const { code, stderr, written } = await synth('integration.yaml', () => {});
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(written).toContain(join('infrastructure', 'integration', 'haproxy', 'haproxy.cfg'));
  });
});
