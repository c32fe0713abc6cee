/**
 * One rucio-daemons release: the common config, one Deployment per daemon whose count is above 0, and the optional
 * FTS renewal and automatic restart jobs.
 */
import { Construct } from 'constructs';
import type { RucioDaemonsValues } from '../../values/rucio-daemons.js';
import { addReleaseJobs } from '../jobs/release-jobs.js';
import { renderConfig } from '../shared/rucio-config.js';
import { DAEMONS_CHART, RucioDaemon, type PlannedDaemon } from './rucio-daemon.js';
import { CHART_VERSION, MANAGED_BY, fullname } from '../shared/rucio-pod.js';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { kubeObject } from '../shared/objects.js';

/** Props of a daemons release. */
export interface RucioDaemonsProps {
  /** The release name (`daemonint`). */
  readonly release: string;
  /** The release's values, fully defaulted (the plan stage applies the `[monitor]` wiring and metrics defaults). */
  readonly values: RucioDaemonsValues;
  /** The daemons to deploy (count above 0), in the table's order, as the plan stage resolved them. */
  readonly daemons: readonly PlannedDaemon[];
}

/** The prefix of every object's name of a daemons release (`fullnameOverride`, else `<release>-rucio-daemons`). */
export function daemonsFullname(release: string, values: RucioDaemonsValues): string {
  return fullname(release, DAEMONS_CHART, values);
}

/** The common config's ConfigMap of a daemons release. */
export function daemonsConfigMap(fullname: string): string {
  return `${fullname}.config.common`;
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
    this.fullname = daemonsFullname(release, values);
    const labels = {
      app: values.nameOverride ?? DAEMONS_CHART,
      chart: `${DAEMONS_CHART}-${CHART_VERSION}`,
      release,
      heritage: MANAGED_BY,
    };

    const common = renderConfig(values.config);
    const commonConfigMap = daemonsConfigMap(this.fullname);
    kubeObject<IConfigMap>(this, 'ConfigCommon', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: commonConfigMap, labels },
      data: { 'common.json': common.json },
    });

    const daemons = new Map<string, RucioDaemon>();
    for (const planned of props.daemons) {
      daemons.set(
        planned.spec.valueKey,
        new RucioDaemon(this, planned.spec.valueKey, {
          ...planned,
          release,
          fullname: this.fullname,
          values,
          commonJson: common.json,
          commonConfigMap,
        }),
      );
    }
    this.daemons = daemons;

    addReleaseJobs(this, {
      release,
      fullname: this.fullname,
      values,
      restartSelector: `app-group=${DAEMONS_CHART}`,
      labels,
    });
  }
}
