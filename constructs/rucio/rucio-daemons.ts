/**
 * One rucio-daemons release: the common config, one Deployment per daemon whose count is above 0, and the optional
 * FTS renewal and automatic restart jobs.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { DAEMONS, type DaemonSpec } from '../../values/rucio-daemon-table.js';
import { daemonCount, type RucioDaemonsValues } from '../../values/rucio-daemons.js';
import { AutomaticRestart } from '../jobs/automatic-restart.js';
import { FtsRenewal } from '../jobs/fts-renewal.js';
import { renderConfig } from '../shared/rucio-config.js';
import { DAEMONS_CHART, RucioDaemon } from './rucio-daemon.js';
import { CHART_VERSION, MANAGED_BY, fullname } from '../shared/rucio-pod.js';

/** Props of a daemons release. */
export interface RucioDaemonsProps {
  /** The release name (`daemonint`). */
  readonly release: string;
  /** The release's values, fully defaulted. */
  readonly values: RucioDaemonsValues;
  /** Where the release sits in the environment, for errors (`['daemons', 'daemonint']`). */
  readonly path?: readonly (string | number)[];
  /** Value keys of daemons whose replicas an autoscaler owns. */
  readonly autoscaled?: ReadonlySet<string>;
}

/** A rucio-daemons release. */
export class RucioDaemons extends Construct {
  /** The prefix of every object's name. */
  readonly fullname: string;
  /** The daemons deployed, by value key. */
  readonly daemons: ReadonlyMap<string, RucioDaemon>;

  constructor(scope: Construct, id: string, props: RucioDaemonsProps) {
    super(scope, id);
    const { release, values } = props;
    const path = props.path ?? ['daemons', release];
    this.fullname = fullname(release, DAEMONS_CHART, values);
    const labels = {
      app: values.nameOverride ?? DAEMONS_CHART,
      chart: `${DAEMONS_CHART}-${CHART_VERSION}`,
      release,
      heritage: MANAGED_BY,
    };

    const common = renderConfig(values.config);
    const commonConfigMap = `${this.fullname}.config.common`;
    new ApiObject(this, 'ConfigCommon', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: commonConfigMap, labels },
      data: { 'common.json': common.json },
    });

    const daemons = new Map<string, RucioDaemon>();
    for (const spec of DAEMONS as readonly DaemonSpec[]) {
      const replicas = daemonCount(values, spec);
      if (replicas === 0) continue;
      daemons.set(
        spec.valueKey,
        new RucioDaemon(this, spec.valueKey, {
          release,
          fullname: this.fullname,
          spec,
          values,
          replicas,
          commonJson: common.json,
          commonConfigMap,
          path,
          autoscaled: props.autoscaled?.has(spec.valueKey) ?? false,
        }),
      );
    }
    this.daemons = daemons;

    if (values.ftsRenewal.enabled) {
      new FtsRenewal(this, 'FtsRenewal', {
        release,
        fullname: this.fullname,
        values: values.ftsRenewal,
        imageRegistry: values.imageRegistry,
        labels,
      });
    }
    if (values.automaticRestart.enabled) {
      new AutomaticRestart(this, 'AutomaticRestart', {
        release,
        fullname: this.fullname,
        values: values.automaticRestart,
        imageRegistry: values.imageRegistry,
        defaultSelector: `app-group=${DAEMONS_CHART}`,
        labels,
      });
    }
  }
}
