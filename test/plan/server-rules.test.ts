/**
 * Issue 12, point 4: rules across the keys of a server release (and of HAProxy and the probes) where the image or
 * the cluster would break at run time while synth succeeded. Each rule: a bad edit of a bundled environment is exit 1
 * with one problem at the file, line and key, saying what was received and what works, and nothing written; the
 * edit that follows the message validates.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { parseDocument } from 'yaml';
import { main } from '../../src/cli/main.js';
import { editedEnvironments } from '../infrastructure/helpers.js';

type Doc = ReturnType<typeof parseDocument>;

async function run(
  command: 'synth' | 'validate',
  file: string,
  env: string,
  edit: (doc: Doc) => void,
): Promise<{ code: number; stderr: string; written: string[] }> {
  const dir = editedEnvironments(file, edit);
  const out = join(mkdtempSync(join(tmpdir(), 'rucio-out-')), 'dist');
  let stderr = '';
  const args = [command, '--environments', dir, '--env', env, ...(command === 'synth' ? ['--out', out] : [])];
  const code = await main(args, { stdout: () => {}, stderr: (t) => (stderr += t) });
  return { code, stderr, written: existsSync(out) ? readdirSync(out, { recursive: true }).map(String) : [] };
}

const S = ['servers', 'serverint'];
const PASSTHROUGH = { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' };

interface Rule {
  name: string;
  file: string;
  env: string;
  bad: (doc: Doc) => void;
  key: string;
  message: RegExp;
  /** The bad edit fixed as the message says: validates. */
  good: (doc: Doc) => void;
}

const rules: Rule[] = [
  {
    name: 'useSSL without a host certificate',
    file: 'integration.yaml',
    env: 'integration',
    bad: (doc) => doc.deleteIn([...S, 'tlsSecretName']),
    key: 'servers.serverint.useSSL',
    message:
      /received true, but nothing mounts \/etc\/grid-security\/hostcert\.pem and \/etc\/grid-security\/hostkey\.pem: .*set tlsSecretName/,
    good: (doc) => {
      doc.deleteIn([...S, 'tlsSecretName']);
      doc.setIn(
        [...S, 'secretMounts'],
        doc.createNode([
          {
            volumeName: 'hostcert',
            secretFullName: 'serverint-host',
            mountPath: '/etc/grid-security/hostcert.pem',
            subPath: 'tls.crt',
          },
          {
            volumeName: 'hostkey',
            secretFullName: 'serverint-host',
            mountPath: '/etc/grid-security/hostkey.pem',
            subPath: 'tls.key',
          },
        ]),
      );
    },
  },
  {
    name: 'useSSL with the Service pointing at the plain HTTP port',
    file: 'integration.yaml',
    env: 'integration',
    bad: (doc) => doc.setIn([...S, 'service', 'targetPort'], 'http'),
    key: 'servers.serverint.service.targetPort',
    message:
      /received "http", but with useSSL: true httpd listens only on https \(443\).*set service: \{port: 443, targetPort: https, name: https\}/,
    good: (doc) => doc.setIn([...S, 'service', 'targetPort'], 443),
  },
  {
    name: 'plain HTTP with the Service pointing at the HTTPS port',
    file: 'integration.yaml',
    env: 'integration',
    bad: (doc) => {
      doc.setIn([...S, 'useSSL'], false);
      // HAProxy's health checks of a plain server are plain too.
      doc.setIn(['haproxy', 'frontends', 'api', 'servers', 0, 'tls'], false);
    },
    key: 'servers.serverint.service.targetPort',
    message: /received "https", but with useSSL: false httpd listens only on http \(80\)/,
    good: (doc) => {
      doc.setIn([...S, 'useSSL'], false);
      doc.setIn(['haproxy', 'frontends', 'api', 'servers', 0, 'tls'], false);
      doc.setIn([...S, 'service', 'targetPort'], 'http');
    },
  },
  {
    name: 'external DNS without a hostname',
    file: 'integration.yaml',
    env: 'integration',
    bad: (doc) => {
      doc.deleteIn([...S, 'hostname']);
      doc.setIn([...S, 'service', 'useExternalDNS'], true);
    },
    key: 'servers.serverint.service.useExternalDNS',
    message: /received true, but the release has no hostname for the external-dns annotation: set hostname/,
    good: (doc) => doc.setIn([...S, 'service', 'useExternalDNS'], true),
  },
  {
    name: 'an Ingress without hosts',
    file: 'integration.yaml',
    env: 'integration',
    bad: (doc) => doc.setIn([...S, 'ingress'], doc.createNode({ enabled: true, annotations: PASSTHROUGH })),
    key: 'servers.serverint.ingress.hosts',
    message: /received \[\], but an Ingress needs at least one host/,
    good: (doc) =>
      doc.setIn(
        [...S, 'ingress'],
        doc.createNode({ enabled: true, annotations: PASSTHROUGH, hosts: ['rucio-int.example.org'] }),
      ),
  },
  {
    name: 'an Ingress in front of a useSSL server that speaks plain HTTP to it',
    file: 'integration.yaml',
    env: 'integration',
    bad: (doc) => doc.setIn([...S, 'ingress'], doc.createNode({ enabled: true, hosts: ['rucio-int.example.org'] })),
    key: 'servers.serverint.ingress.annotations',
    message:
      /serves HTTPS \(useSSL\), but no annotation makes the Ingress controller pass TLS through.*ssl-passthrough/,
    good: (doc) =>
      doc.setIn(
        [...S, 'ingress'],
        doc.createNode({
          enabled: true,
          hosts: ['rucio-int.example.org'],
          annotations: { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' },
        }),
      ),
  },
  {
    name: 'an Ingress on a server that HAProxy reaches with the PROXY protocol',
    file: 'integration.yaml',
    env: 'integration',
    bad: (doc) => {
      doc.setIn([...S, 'httpd_config', 'proxy_protocol_enabled'], true);
      doc.setIn(['haproxy', 'frontends', 'api', 'proxyProtocol'], true);
      doc.setIn(
        [...S, 'ingress'],
        doc.createNode({ enabled: true, hosts: ['rucio-int.example.org'], annotations: PASSTHROUGH }),
      );
    },
    key: 'servers.serverint.ingress.enabled',
    message:
      /httpd expects the PROXY protocol .* and refuses every connection without it; Ingress controllers send none/,
    good: (doc) => {
      doc.setIn([...S, 'httpd_config', 'proxy_protocol_enabled'], true);
      doc.setIn(['haproxy', 'frontends', 'api', 'proxyProtocol'], true);
    },
  },
  {
    name: 'an auth frontend naming a server release that does not exist',
    file: 'production.yaml',
    env: 'production',
    bad: (doc) =>
      doc.setIn(['haproxy', 'frontends', 'auth', 'servers', 0], doc.createNode({ release: 'authserver', weight: 5 })),
    key: 'haproxy.frontends.auth.servers.0.release',
    message:
      /no server release 'authserver' in this environment; server releases are: \(none: use host for a VM server\)/,
    good: (doc) =>
      doc.setIn(
        ['haproxy', 'frontends', 'auth', 'servers', 0],
        doc.createNode({ host: 'rucio-auth-03.example.org', weight: 5 }),
      ),
  },
  {
    name: 'probes without a Pushgateway to push to',
    file: '_rucio.yaml',
    env: 'integration',
    bad: (doc) => doc.deleteIn(['pushgateway']),
    key: 'probes',
    message: /the probes push their results to the Pushgateway: add a pushgateway block/,
    good: (doc) => doc.setIn(['pushgateway'], doc.createNode({})),
  },
];

describe('cross-field rules: one clear problem at the key, nothing written; the fix validates', () => {
  for (const r of rules) {
    it(r.name, async () => {
      const bad = await run('synth', r.file, r.env, r.bad);
      expect(bad.code, bad.stderr).toBe(1);
      expect(bad.written).toEqual([]);
      expect(bad.stderr).not.toMatch(/\n\s+at /);
      const line = bad.stderr.split('\n').find((l) => l.includes(`  ${r.key}: `));
      expect(line, bad.stderr).toBeDefined();
      expect(line).toMatch(new RegExp(`/${r.file.replace('.', '\\.')}:\\d+  `));
      expect(line).toMatch(r.message);
      const good = await run('validate', r.file, r.env, r.good);
      expect(good.stderr).not.toMatch(/error|invalid/i);
      expect(good.code, good.stderr).toBe(0);
    });
  }
});
