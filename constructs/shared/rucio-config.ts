/**
 * rucio.cfg as the images read it: JSON files in `/opt/rucio/etc/conf.d/`, merged in name order over the image's
 * defaults, then `RUCIO_CFG_<SECTION>_<OPTION>` env vars on top. Literal options go into the JSON (a ConfigMap);
 * options that reference a Secret become env vars with `secretKeyRef`, so no secret is ever written out.
 *
 * @see https://github.com/rucio/rucio/blob/master/tools/merge_rucio_configs.py
 */
import { createHash } from 'node:crypto';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { canonicalSection, configEnvName, type RucioConfig } from '../../values/common.js';

export { canonicalSection, configEnvName, SECTION_ALIASES } from '../../values/common.js';

/** Where the images read the conf.d files, and the env var that tells them. */
export const CONF_D = '/opt/rucio/etc/conf.d/';

function literal(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** A config split into the JSON file's text and the env vars that read Secrets. */
export interface RenderedConfig {
  /** Pretty JSON with sorted sections and options, newline-terminated. */
  readonly json: string;
  readonly env: IEnvVar[];
}

/**
 * Renders one conf.d layer. Sections are written under the names Rucio reads; options are strings, as ConfigParser
 * stores them (`true` becomes `True`).
 */
export function renderConfig(config: RucioConfig): RenderedConfig {
  const sections: Record<string, Record<string, string>> = {};
  const env: IEnvVar[] = [];
  for (const section of Object.keys(config).sort()) {
    const options = config[section]!;
    const name = canonicalSection(section);
    for (const option of Object.keys(options).sort()) {
      const value = options[option]!;
      if (typeof value === 'object') {
        const envName = configEnvName(section, option);
        if ('error' in envName) throw new Error(envName.error);
        env.push({ name: envName.name, valueFrom: { secretKeyRef: { ...value.secretKeyRef } } });
      } else {
        (sections[name] ??= {})[option] = literal(value);
      }
    }
  }
  const sorted: Record<string, Record<string, string>> = {};
  for (const name of Object.keys(sections).sort()) sorted[name] = sections[name]!;
  return { json: `${JSON.stringify(sorted, null, 2)}\n`, env: env.sort((a, b) => a.name.localeCompare(b.name, 'en')) };
}

/** Whether a merged config switches a boolean option on (`True`, `true`, `1`, `yes`). */
export function configFlag(config: RucioConfig, section: string, option: string): boolean {
  const value = config[section]?.[option];
  if (value === undefined || typeof value === 'object') return false;
  return /^(true|1|yes|on)$/i.test(String(value));
}

/** sha256 of a JSON value, key order included; for the `checksum/config` pod annotation. */
export function checksum(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** A conf.d layer over another, option by option (what the image's merge does). */
export function mergeConfig(base: RucioConfig, over: RucioConfig): RucioConfig {
  const out: RucioConfig = {};
  for (const section of new Set([...Object.keys(base), ...Object.keys(over)])) {
    const canonical = canonicalSection(section);
    out[canonical] = { ...out[canonical], ...base[section], ...over[section] };
  }
  return out;
}
