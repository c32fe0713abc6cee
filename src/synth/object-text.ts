/**
 * The text of an object's file: the generated-file marker and the object's YAML. Its own module, so that the checks'
 * worker thread (checks/scan-pool.ts), which makes the text of the files it scans, loads the YAML writer and not the
 * constructs.
 */
import { GENERATED_MARKER, type KubeObject } from './files.js';
import { toYaml } from './yaml-emit.js';

/** The text of the file that holds `object`. */
export function objectText(object: KubeObject): string {
  return `${GENERATED_MARKER}\n${toYaml(object)}`;
}
