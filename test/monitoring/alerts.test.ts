/**
 * The PrometheusRule of the bundled environments, checked and unit-tested with the real promtool: every alert has a
 * firing and a non-firing case on crafted series.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AlertRule, RuleGroup } from '../../constructs/observability/prometheus-rules.js';
import { type RenderedFolder } from '../../src/synth/files.js';
import { buildEnvironment } from '../../src/synth/render.js';
import { bundled, objects, promtool, tmp } from './helpers.js';
import { itWithTools } from '../tools.js';

/** The alert groups of all PrometheusRules of an environment (`rucio-alerts`, `rucio-alerts-<release>`). */
const alertRules = (folders: readonly RenderedFolder[]) =>
  objects(folders).filter((o) => o.kind === 'PrometheusRule' && o.metadata.name.startsWith('rucio-alerts'));
const allGroups = (folders: readonly RenderedFolder[]) =>
  alertRules(folders).flatMap((o) => (o.spec as { groups: RuleGroup[] }).groups);

type Series = { series: string; values: string };
interface Case {
  /** Input series of this case (each case is its own promtool test group, so sums see only these). */
  series: Series[];
  interval?: string;
  evalTime: string;
  /** Expected alerts: labels added to the rule's, and the `$value` text the annotations show. */
  fires: { labels?: Record<string, string>; value?: string }[];
}

let production: RenderedFolder[];
let rules: RuleGroup[];
let dir: string;

function ruleOf(alert: string, labels: Record<string, string> = {}): AlertRule {
  const all = rules
    .flatMap((g) => g.rules)
    .filter((r) => r.alert === alert && Object.entries(labels).every(([k, v]) => r.labels[k] === v));
  if (all.length === 0) throw new Error(`no rule ${alert}`);
  return all[0]!;
}

/** The annotation text promtool should produce: `{{ $labels.x }}` and `{{ $value }}` filled in. */
function expand(text: string, labels: Record<string, string>, value: string): string {
  return text
    .replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, k: string) => labels[k] ?? '')
    .replace(/\{\{ \$value( \| humanizePercentage)? \}\}/g, value);
}

function testGroup(alert: string, c: Case, ruleLabels: Record<string, string> = {}) {
  const rule = ruleOf(alert, ruleLabels);
  return {
    interval: c.interval ?? '1m',
    input_series: c.series,
    alert_rule_test: [
      {
        eval_time: c.evalTime,
        alertname: alert,
        exp_alerts: c.fires.map((f) => {
          const labels = { ...rule.labels, ...f.labels };
          return {
            exp_labels: labels,
            exp_annotations: Object.fromEntries(
              Object.entries(rule.annotations).map(([k, v]) => [k, expand(v, labels, f.value ?? '')]),
            ),
          };
        }),
      },
    ],
  };
}

const up = (release: string, daemon: string, values: string): Series => ({
  series: `up{namespace="rucio", release="${release}", rucio_daemon="${daemon}", pod="${release}-${daemon}-abc"}`,
  values,
});

const backend = (values: string): Series => ({
  series: 'haproxy_backend_active_servers{proxy="rucio-servers"}',
  values,
});

/**
 * Production with its HAProxy in the cluster too (the bundled file runs it on VMs only, which nothing scrapes, so its
 * rules have no HAProxy alerts; see alert-sources.test.ts): the fixture gives every alert a scrape source, so promtool
 * tests all of them on production's thresholds and daemons.
 */
function productionScraped() {
  const env = bundled('production');
  return { ...env, values: { ...env.values, haproxy: { ...env.values.haproxy!, inCluster: true } } };
}

describe('alerts of the production environment (with its HAProxy scraped in the cluster)', () => {
  beforeAll(() => {
    production = buildEnvironment(productionScraped());
    // The environment-wide groups, and one PrometheusRule per daemons release (no object grows with the releases).
    expect(alertRules(production).map((o) => o.metadata.name)).toEqual(['rucio-alerts', 'rucio-alerts-daemonprod']);
    for (const o of alertRules(production)) expect(o.folder).toBe('infrastructure/production/monitoring');
    rules = allGroups(production);
    expect(rules.map((g) => g.name)).toEqual([
      'rucio-backlogs',
      'rucio-probes',
      'rucio-servers',
      'rucio-daemons-daemonprod',
    ]);
    dir = tmp('rucio-rules-');
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rules }));
  });

  it('validates against the Prometheus Operator schema and carries the labels the Prometheus selects', () => {
    for (const rule of alertRules(production)) {
      expect(() => new PrometheusRule(rule as never).validate()).not.toThrow();
      expect(rule.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    }
  });

  it('has every alert, and a not-reporting rule for each deployed daemon', () => {
    const names = new Set(rules.flatMap((g) => g.rules.map((r) => r.alert)));
    expect([...names].sort()).toEqual([
      'RucioDaemonNotReporting',
      'RucioDaemonUnavailable',
      'RucioDeletionBacklogGrowing',
      'RucioHAProxyBackendDown',
      'RucioProbeResultsStale',
      'RucioServer5xxRate',
      'RucioTransferQueueGrowing',
    ]);
    const notReporting = rules
      .flatMap((g) => g.rules)
      .filter((r) => r.alert === 'RucioDaemonNotReporting')
      .map((r) => r.labels.rucio_daemon)
      .sort();
    expect(notReporting).toEqual([
      'conveyor-finisher',
      'conveyor-poller',
      'conveyor-receiver',
      'conveyor-submitter',
      'conveyor-throttler',
      'hermes',
      'judge-cleaner',
      'judge-evaluator',
      'judge-repairer',
      'minos',
      'minos-temporary-expiration',
      'reaper',
      'tracer-kronos',
      'transmogrifier',
      'undertaker',
    ]);
    const unavailable = ruleOf('RucioDaemonUnavailable');
    expect(unavailable.expr).toContain('daemonprod-conveyor-submitter|');
    expect(unavailable.labels).toMatchObject({ rucio_environment: 'production', severity: 'warning' });
  });

  itWithTools(['promtool'], 'passes promtool check rules', () => {
    const r = promtool(['check', 'rules', 'rules.yaml'], dir);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  itWithTools(['promtool'], 'promtool check rules refuses a broken rule file (the check can fail)', () => {
    writeFileSync(
      join(dir, 'broken.yaml'),
      stringify({ groups: [{ name: 'x', rules: [{ alert: 'X', expr: 'sum(up' }] }] }),
    );
    expect(promtool(['check', 'rules', 'broken.yaml'], dir).status).not.toBe(0);
  });

  itWithTools(['promtool'], 'fires and does not fire each alert on crafted series (promtool test rules)', () => {
    const allUp = (except?: string): Series[] =>
      rules
        .flatMap((g) => g.rules)
        .filter((r) => r.alert === 'RucioDaemonNotReporting')
        .filter((r) => r.labels.rucio_daemon !== except)
        .map((r) => up(r.labels.release!, r.labels.rucio_daemon!, '1x60'));
    const dep = (name: string, values: string): Series => ({
      series: `kube_deployment_status_replicas_unavailable{namespace="rucio", deployment="${name}"}`,
      values,
    });
    const queue = (state: string, values: string): Series => ({
      series: `conveyor_queues_requests{state="${state}", activity="User Subscriptions", external_host="fts3"}`,
      values,
    });
    const deletable = (values: string): Series => ({
      series: 'rucio_probes_judge_deletable_files{rse="SITE_DATADISK"}',
      values,
    });
    const pushed = (values: string): Series => ({
      series: 'push_time_seconds{job="check_transfer_queues_status", instance=""}',
      values,
    });
    const responses = (code: string, values: string): Series => ({
      series: `haproxy_backend_http_responses_total{proxy="rucio-servers", code="${code}"}`,
      values,
    });
    const submitter = { release: 'daemonprod', rucio_daemon: 'conveyor-submitter' };

    const tests = [
      // A daemon Deployment with unavailable pods for longer than 15m fires; a 5-minute blip or an unrelated Deployment does not.
      testGroup('RucioDaemonUnavailable', {
        series: [dep('daemonprod-reaper', '0x10 1x50')],
        evalTime: '40m',
        fires: [{ labels: { namespace: 'rucio', deployment: 'daemonprod-reaper' }, value: '1' }],
      }),
      testGroup('RucioDaemonUnavailable', {
        series: [dep('daemonprod-reaper', '0x10 1x5 0x45'), dep('someone-else', '3x60')],
        evalTime: '40m',
        fires: [],
      }),
      // A daemon whose pods answer no scrape for 10m fires (only its own rule); all targets up fires nothing.
      testGroup(
        'RucioDaemonNotReporting',
        {
          series: [...allUp('conveyor-submitter'), up('daemonprod', 'conveyor-submitter', '1x10 0x50')],
          evalTime: '40m',
          fires: [{ labels: submitter, value: '1' }],
        },
        submitter,
      ),
      testGroup(
        'RucioDaemonNotReporting',
        {
          series: [...allUp('conveyor-submitter'), up('daemonprod', 'conveyor-submitter', '1x10 stale')],
          evalTime: '40m',
          fires: [{ labels: submitter, value: '1' }],
        },
        submitter,
      ),
      testGroup('RucioDaemonNotReporting', { series: allUp(), evalTime: '40m', fires: [] }),
      // A queue above 50000 and larger than an hour ago fires; a large but flat queue, or a small growing one, does not.
      testGroup('RucioTransferQueueGrowing', {
        series: [queue('queued', '40000+1000x180'), queue('submitted', '10000x180')],
        evalTime: '150m',
        fires: [{ value: '200000' }],
      }),
      testGroup('RucioTransferQueueGrowing', {
        series: [queue('queued', '100000x180'), queue('done', '0+5000x180')],
        evalTime: '150m',
        fires: [],
      }),
      testGroup('RucioTransferQueueGrowing', { series: [queue('queued', '0+100x180')], evalTime: '150m', fires: [] }),
      // A deletion backlog above a million and larger than 6h ago fires; a flat one does not.
      testGroup('RucioDeletionBacklogGrowing', {
        interval: '5m',
        series: [deletable('500000+50000x120')],
        evalTime: '8h',
        fires: [{ value: '5.3e+06' }],
      }),
      testGroup('RucioDeletionBacklogGrowing', {
        interval: '5m',
        series: [deletable('2000000x120')],
        evalTime: '8h',
        fires: [],
      }),
      // A probe that stopped pushing at 1h is stale at 4h; one that pushes every minute is not.
      testGroup('RucioProbeResultsStale', {
        series: [pushed('0+60x60 3600x200')],
        evalTime: '4h',
        fires: [{ labels: { job: 'check_transfer_queues_status' }, value: '10800' }],
      }),
      testGroup('RucioProbeResultsStale', { series: [pushed('0+60x300')], evalTime: '4h', fires: [] }),
      // 1 of 11 responses 5xx (9%) fires; 1 of 101 (1%) does not.
      testGroup('RucioServer5xxRate', {
        series: [responses('5xx', '0+60x60'), responses('2xx', '0+600x60')],
        evalTime: '30m',
        fires: [{ labels: { proxy: 'rucio-servers' }, value: '9.091%' }],
      }),
      testGroup('RucioServer5xxRate', {
        series: [responses('5xx', '0+6x60'), responses('2xx', '0+600x60')],
        evalTime: '30m',
        fires: [],
      }),
      // A backend without an active server for 2m fires; a healthy one does not.
      testGroup('RucioHAProxyBackendDown', {
        series: [backend('2x10 0x20')],
        evalTime: '20m',
        fires: [{ labels: { proxy: 'rucio-servers' }, value: '0' }],
      }),
      testGroup('RucioHAProxyBackendDown', { series: [backend('2x10 1x20')], evalTime: '20m', fires: [] }),
    ];
    writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '5m', tests }));
    const r = promtool(['test', 'rules', 'tests.yaml'], dir);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
    // Every alert has at least one firing and one non-firing case.
    const alerts = new Set(rules.flatMap((g) => g.rules.map((x) => x.alert)));
    for (const a of alerts) {
      const cases = tests.filter((t) => t.alert_rule_test[0]!.alertname === a);
      expect(
        cases.some((t) => t.alert_rule_test[0]!.exp_alerts.length > 0),
        `${a} fires`,
      ).toBe(true);
      expect(
        cases.some((t) => t.alert_rule_test[0]!.exp_alerts.length === 0),
        `${a} stays quiet`,
      ).toBe(true);
    }
  });

  itWithTools(['promtool'], 'promtool test rules fails when an expectation is wrong (the unit tests can fail)', () => {
    const wrong = testGroup('RucioHAProxyBackendDown', {
      series: [backend('2x30')],
      evalTime: '20m',
      fires: [{ labels: { proxy: 'rucio-servers' }, value: '0' }],
    });
    writeFileSync(
      join(dir, 'wrong.yaml'),
      stringify({ rule_files: ['rules.yaml'], evaluation_interval: '5m', tests: [wrong] }),
    );
    const r = promtool(['test', 'rules', 'wrong.yaml'], dir);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('alertname: RucioHAProxyBackendDown');
  });

  it('takes thresholds and durations from the environment', () => {
    const env = productionScraped();
    const tuned = {
      ...env,
      values: {
        ...env.values,
        monitoring: {
          ...env.values.monitoring!,
          alerts: {
            ...env.values.monitoring!.alerts,
            transferQueue: {
              ...env.values.monitoring!.alerts.transferQueue,
              threshold: 1234,
              growthWindow: '2h',
              for: '5m',
            },
            staleProbes: {
              ...env.values.monitoring!.alerts.staleProbes,
              maxAgeSeconds: 600,
              severity: 'critical' as const,
            },
            haproxyBackendDown: { ...env.values.monitoring!.alerts.haproxyBackendDown, enabled: false },
          },
        },
      },
    };
    const groups = allGroups(buildEnvironment(tuned));
    const all = groups.flatMap((g) => g.rules);
    // The HAProxy's other alert stays: only the one turned off is gone.
    expect(all.some((r) => r.alert === 'RucioServer5xxRate')).toBe(true);
    const queue = all.find((r) => r.alert === 'RucioTransferQueueGrowing')!;
    expect(queue.expr).toBe(
      'sum(conveyor_queues_requests{state=~"queued|submitted"}) > 1234 and sum(conveyor_queues_requests{state=~"queued|submitted"}) > sum(conveyor_queues_requests{state=~"queued|submitted"} offset 2h)',
    );
    expect(queue.for).toBe('5m');
    const stale = all.find((r) => r.alert === 'RucioProbeResultsStale')!;
    expect(stale.expr).toBe('time() - push_time_seconds > 600');
    expect(stale.labels.severity).toBe('critical');
    expect(all.some((r) => r.alert === 'RucioHAProxyBackendDown')).toBe(false);
  });
});
