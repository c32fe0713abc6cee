/**
 * The jobs a Rucio release may run beside its pods, as the rucio-server and rucio-daemons charts offer them: the FTS
 * proxy renewal (`ftsRenewal`) and the periodic restart (`automaticRestart`), each when enabled.
 */
import type { Construct } from 'constructs';
import type { z } from 'zod';
import type { automaticRestart, ftsRenewal } from '../../values/common.js';
import { AutomaticRestart } from './automatic-restart.js';
import { FtsRenewal } from './fts-renewal.js';

/** What a release's jobs need. */
export interface ReleaseJobsProps {
  /** The release name. */
  readonly release: string;
  /** The release's fullname, the prefix of the jobs' object names. */
  readonly fullname: string;
  /** The release's `ftsRenewal` and `automaticRestart` values, and the registry its images come from. */
  readonly values: {
    readonly ftsRenewal: z.infer<typeof ftsRenewal>;
    readonly automaticRestart: z.infer<typeof automaticRestart>;
    readonly imageRegistry: string;
  };
  /** The label that, with `release`, selects the Deployments to restart (`app=rucio-server`). */
  readonly restartSelector: string;
  /** The labels of the jobs' objects. */
  readonly labels: Record<string, string>;
}

/** Adds the release's enabled jobs to `scope` (children `FtsRenewal` and `AutomaticRestart`). */
export function addReleaseJobs(scope: Construct, props: ReleaseJobsProps): void {
  const { release, fullname, values, labels } = props;
  if (values.ftsRenewal.enabled)
    new FtsRenewal(scope, 'FtsRenewal', {
      release,
      fullname,
      values: values.ftsRenewal,
      imageRegistry: values.imageRegistry,
      labels,
    });
  if (values.automaticRestart.enabled)
    new AutomaticRestart(scope, 'AutomaticRestart', {
      release,
      fullname,
      values: values.automaticRestart,
      imageRegistry: values.imageRegistry,
      defaultSelector: props.restartSelector,
      labels,
    });
}
