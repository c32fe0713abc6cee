/**
 * Finds secrets written in plain text into an environment: database URLs with passwords, and options or env vars
 * named like secrets that hold a literal value. Each finding says how to reference a Secret instead.
 */
import type { Path } from './yaml-source.js';
import { SECRET_NAME, type PathProblem } from './zod-issues.js';

/** A URL with a password in it (`oracle://user:password@host/db`). */
export const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A literal that is not a secret even under a secret-looking name: empty, a file path, or a boolean-ish switch. */
function harmless(value: unknown): boolean {
  if (typeof value !== 'string') return true;
  const v = value.trim();
  return v === '' || v.startsWith('/') || /^(true|false|yes|no|on|off|none|null)$/i.test(v);
}

function refHint(option: string): string {
  return `reference an existing Secret instead: '${option}: {secretKeyRef: {name: <secret>, key: <key>}}'`;
}

function checkConfig(config: unknown, path: Path, out: PathProblem[]): void {
  if (!isObject(config)) return;
  for (const [section, options] of Object.entries(config)) {
    if (!isObject(options)) continue;
    for (const [option, value] of Object.entries(options)) {
      const at = [...path, section, option];
      if (typeof value === 'string' && URL_WITH_PASSWORD.test(value)) {
        out.push({ path: at, message: `a URL with a password must not be written in an environment file (secrets must not reach git); ${refHint(option)}` });
      } else if (SECRET_NAME.test(option) && !harmless(value)) {
        out.push({ path: at, message: `'${option}' holds a secret in plain text (secrets must not reach git); ${refHint(option)}` });
      }
    }
  }
}

function checkEnv(release: Record<string, unknown>, path: Path, out: PathProblem[]): void {
  if (isObject(release.optional_config)) {
    for (const [name, value] of Object.entries(release.optional_config)) {
      const secretish = SECRET_NAME.test(name) || (typeof value === 'string' && URL_WITH_PASSWORD.test(value)) || /^rucio_cfg_database_default$/i.test(name);
      if (secretish && !harmless(value)) {
        out.push({
          path: [...path, 'optional_config', name],
          message: `holds a secret in plain text (secrets must not reach git); use 'additionalEnvs: [{name: ${name.toUpperCase()}, valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}}]' or a secretKeyRef in 'config'`,
        });
      }
    }
  }
  if (Array.isArray(release.additionalEnvs)) {
    release.additionalEnvs.forEach((env, i) => {
      if (!isObject(env) || typeof env.name !== 'string' || env.value === undefined) return;
      const secretish = SECRET_NAME.test(env.name) || (typeof env.value === 'string' && URL_WITH_PASSWORD.test(env.value)) || /^RUCIO_CFG_DATABASE_DEFAULT$/i.test(env.name);
      if (secretish && !harmless(env.value)) {
        out.push({
          path: [...path, 'additionalEnvs', i, 'value'],
          message: `'${env.name}' holds a secret in plain text (secrets must not reach git); use 'valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}'`,
        });
      }
    });
  }
}

function checkRelease(release: unknown, path: Path, out: PathProblem[], daemonKeys: readonly string[]): void {
  if (!isObject(release)) return;
  checkConfig(release.config, [...path, 'config'], out);
  checkEnv(release, path, out);
  for (const key of daemonKeys) {
    const block = release[key];
    if (!isObject(block)) continue;
    checkConfig(block.config, [...path, key, 'config'], out);
    checkEnv(block, [...path, key], out);
  }
}

/** Plaintext secrets in an environment's releases and common layer (the raw, merged input). */
export function findPlaintextSecrets(env: unknown, daemonKeys: readonly string[]): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isObject(env)) return out;
  checkRelease(env.common, ['common'], out, []);
  for (const kind of ['servers', 'daemons'] as const) {
    const releases = env[kind];
    if (!isObject(releases)) continue;
    for (const [name, release] of Object.entries(releases)) checkRelease(release, [kind, name], out, kind === 'daemons' ? daemonKeys : []);
  }
  return out;
}
