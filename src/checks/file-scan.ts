/**
 * The per-file checks that need nothing but the file: the credential scan of the object (keys and values) and of its
 * text as written when that text was not made from the object, and the object's size as the API server receives it. Pure functions of the object and the text,
 * so they may run in this thread or in a worker (`scan-pool.ts`) with the same findings. A leaf beside the scanner:
 * a worker that runs them loads neither the schemas nor the constructs.
 */
import { scanText, scanValue, type Finding } from '../secrets/scan.js';
import type { KubeObject } from '../synth/files.js';

/**
 * The largest object Kubernetes stores: a ConfigMap's data may hold at most 1 MiB, and etcd refuses requests over
 * 1.5 MiB; an object over this bound would be rejected when Flux applies it.
 */
export const MAX_OBJECT_BYTES = 1024 * 1024;

/** An object's size as the API server receives it (compact JSON, UTF-8). */
export function objectBytes(o: KubeObject): number {
  const json = JSON.stringify(o);
  // Bytes, not UTF-16 code units: only text outside ASCII differs (rare in manifests, so checked only when needed).
  return /[\u0080-\uffff]/.test(json) ? Buffer.byteLength(json, 'utf8') : json.length;
}

/** What the per-file checks found in one file. */
export interface FileScan {
  /** The structural scan of the object (empty for a file that is not an object). */
  readonly values: readonly Finding[];
  /** The text rules over the file as written (empty when the text was made from the object: see `scanFile`). */
  readonly text: readonly Finding[];
  /**
   * The object's size as compact JSON in bytes (0 for a file that is not an object); undefined when it was not
   * measured because it cannot exceed `MAX_OBJECT_BYTES` (see `cannotExceed`).
   */
  readonly bytes: number | undefined;
}

/**
 * Runs the per-file checks of one file: `object` is undefined for a file that is not a Kubernetes object. `made` says
 * that `text` is `objectText(object)`: YAML that the writer made from the object, holding each of its keys and strings
 * once, with nothing else in it but YAML's own punctuation and indentation. The structural scan already ran every
 * text rule over each of those keys and strings (and the name rules beside them), so the text rules are not run over
 * that text a second time (it was a third of a large synth's scanning; test/checks/file-scan.test.ts shows that they
 * find nothing there that the structural scan misses). A text given with the object (written by hand or by another
 * tool) can hold what the object does not, a comment for one, and is scanned.
 */
export function scanFile(object: KubeObject | undefined, text: string, yaml: boolean, made = false): FileScan {
  return {
    values: object === undefined ? [] : scanValue(object),
    text: made && object !== undefined ? [] : scanText(text, { yaml }),
    bytes: object === undefined ? 0 : made && cannotExceed(text) ? undefined : objectBytes(object),
  };
}

/**
 * Whether an object whose YAML the writer made (`text`) is certainly within `MAX_OBJECT_BYTES` as compact JSON, so
 * that it need not be serialized again to be measured. The YAML holds each key and string of the object at least once
 * character for character (plain, quoted or block), and JSON spends at most 6 bytes on one UTF-16 unit (`\u0001`; a
 * character outside ASCII takes 2 to 4 bytes for 1 or 2 units), and per key, list item or nesting level at most its 5
 * bytes of punctuation (`"":,` and a brace) where YAML spends at least 3 (`: ` or `- `, a line break, indentation).
 * So the JSON has at most 6 bytes per character of the YAML (test/checks/object-size.test.ts measures the ratio).
 */
export function cannotExceed(text: string): boolean {
  return 6 * text.length <= MAX_OBJECT_BYTES;
}
