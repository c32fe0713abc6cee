/**
 * The ServiceMonitor that has Prometheus scrape the Pushgateway with `honorLabels: true`, so the `job` and grouping
 * labels of every push are kept instead of being overwritten by the scrape's own. Lives in the monitoring folder.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { PushgatewayValues } from '../values/pushgateway.js';
import { PUSHGATEWAY_NAME, PUSHGATEWAY_SELECTOR } from './pushgateway.js';

/** Props of the Pushgateway's ServiceMonitor. */
export interface PushgatewayServiceMonitorProps {
  readonly values: PushgatewayValues;
  /** The namespace of the Pushgateway Service. */
  readonly namespace: string;
}

/** Scrapes the Pushgateway, honouring the pushed labels. */
export class PushgatewayServiceMonitor extends Construct {
  constructor(scope: Construct, id: string, props: PushgatewayServiceMonitorProps) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: PUSHGATEWAY_NAME, labels: { ...PUSHGATEWAY_SELECTOR, ...props.values.serviceMonitor.labels } },
      spec: {
        selector: { matchLabels: { ...PUSHGATEWAY_SELECTOR } },
        namespaceSelector: { matchNames: [props.namespace] },
        endpoints: [{ port: 'http', path: '/metrics', interval: props.values.serviceMonitor.interval, honorLabels: true }],
      },
    });
  }
}
