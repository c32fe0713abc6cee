/**
 * The WebUI's availability alert, checked and unit-tested with the real promtool on the integration environment's
 * PrometheusRule: it fires when no WebUI pod is available (or kube-state-metrics no longer reports the Deployment),
 * and stays quiet while one is.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AlertRule, RuleGroup } from '../../constructs/observability/prometheus-rules.js';
import { buildEnvironment } from '../../src/synth/render.js';
import { itWithTools } from '../tools.js';
import { bundled, find, promtool, tmp } from './helpers.js';

let rules: RuleGroup[];
let rule: AlertRule;
let dir: string;

const available = (values: string) => ({
  series:
    'kube_deployment_status_replicas_available{namespace="rucio", deployment="webuiint", job="kube-state-metrics"}',
  values,
});

/** A promtool test group for the WebUI alert: `fires` lists the labels beyond the rule's and the `$value` shown. */
function testGroup(series: { series: string; values: string }[], evalTime: string, fires: Record<string, string>[]) {
  return {
    interval: '1m',
    input_series: series,
    alert_rule_test: [
      {
        eval_time: evalTime,
        alertname: 'RucioWebuiUnavailable',
        exp_alerts: fires.map((extra) => ({
          exp_labels: { ...rule.labels, namespace: 'rucio', ...extra },
          exp_annotations: rule.annotations,
        })),
      },
    ],
  };
}

describe('the WebUI availability alert (integration)', () => {
  beforeAll(() => {
    const folders = buildEnvironment(bundled('integration'));
    rules = (find(folders, 'PrometheusRule', 'rucio-alerts').spec as { groups: RuleGroup[] }).groups;
    rule = rules.flatMap((g) => g.rules).find((r) => r.alert === 'RucioWebuiUnavailable')!;
    dir = tmp('rucio-webui-rules-');
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rules }));
  });

  it('has one rule per WebUI Deployment, on kube-state-metrics', () => {
    const webui = rules.flatMap((g) => g.rules).filter((r) => r.alert === 'RucioWebuiUnavailable');
    expect(webui.map((r) => r.labels.deployment)).toEqual(['webuiint']);
    expect(rule.expr).toBe(
      'kube_deployment_status_replicas_available{namespace="rucio", deployment="webuiint"} < 1 or absent(kube_deployment_status_replicas_available{namespace="rucio", deployment="webuiint"})',
    );
    expect(rule.for).toBe('5m');
    expect(rule.labels).toMatchObject({ rucio_environment: 'integration', severity: 'warning' });
  });

  itWithTools(['promtool'], 'passes promtool check rules', () => {
    const r = promtool(['check', 'rules', 'rules.yaml'], dir);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  itWithTools(
    ['promtool'],
    'fires with no available pod or no series at all, and not while a pod is available (promtool test rules)',
    () => {
      const tests = [
        // The only pod went away at 10m: after 5m more, the alert fires.
        testGroup([available('1x10 0x30')], '30m', [{ deployment: 'webuiint', job: 'kube-state-metrics' }]),
        // A short blip (3m) under the 5m `for` does not.
        testGroup([available('1x10 0x3 1x30')], '20m', []),
        // Healthy.
        testGroup([available('1x40')], '30m', []),
        // The Deployment is no longer reported at all (deleted, pruned): absent() fires.
        testGroup([{ series: 'up{job="kube-state-metrics"}', values: '1x40' }], '30m', [{ deployment: 'webuiint' }]),
      ];
      writeFileSync(
        join(dir, 'tests.yaml'),
        stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }),
      );
      const r = promtool(['test', 'rules', 'tests.yaml'], dir);
      expect(r.output).toContain('SUCCESS');
      expect(r.status).toBe(0);
    },
  );

  itWithTools(['promtool'], 'promtool test rules fails when the expectation is wrong (the test can fail)', () => {
    const wrong = testGroup([available('1x40')], '30m', [{ deployment: 'webuiint', job: 'kube-state-metrics' }]);
    writeFileSync(
      join(dir, 'wrong.yaml'),
      stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests: [wrong] }),
    );
    const r = promtool(['test', 'rules', 'wrong.yaml'], dir);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('alertname: RucioWebuiUnavailable');
  });
});
