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
        out.push({
          path: at,
          message: `a URL with a password must not be written in an environment file (secrets must not reach git); ${refHint(option)}`,
        });
      } else if (SECRET_NAME.test(option) && !harmless(value)) {
        out.push({
          path: at,
          message: `'${option}' holds a secret in plain text (secrets must not reach git); ${refHint(option)}`,
        });
      }
    }
  }
}

function checkEnv(
  release: Record<string, unknown>,
  path: Path,
  out: PathProblem[],
  optionalKey: 'optional_config' | 'optionalConfig' = 'optional_config',
): void {
  const optional = release[optionalKey];
  if (isObject(optional)) {
    for (const [name, value] of Object.entries(optional)) {
      const secretish =
        SECRET_NAME.test(name) ||
        (typeof value === 'string' && URL_WITH_PASSWORD.test(value)) ||
        /^rucio_cfg_database_default$/i.test(name);
      if (secretish && !harmless(value)) {
        out.push({
          path: [...path, optionalKey, name],
          message: `holds a secret in plain text (secrets must not reach git); use 'additionalEnvs: [{name: ${name.toUpperCase()}, valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}}]' or a secretKeyRef in 'config'`,
        });
      }
    }
  }
  if (Array.isArray(release.additionalEnvs)) {
    release.additionalEnvs.forEach((env, i) => {
      if (!isObject(env) || typeof env.name !== 'string' || env.value === undefined) return;
      const secretish =
        SECRET_NAME.test(env.name) ||
        (typeof env.value === 'string' && URL_WITH_PASSWORD.test(env.value)) ||
        /^RUCIO_CFG_DATABASE_DEFAULT$/i.test(env.name);
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

/** The WebUI's settings: flat `config.webui` / `config.httpd`, per-provider and per-VO maps, and its env vars. */
function checkWebui(release: unknown, path: Path, out: PathProblem[]): void {
  if (!isObject(release)) return;
  const config = release.config;
  if (isObject(config)) {
    checkConfig({ webui: config.webui, httpd: config.httpd }, [...path, 'config'], out);
    checkConfig(config.oidc_providers, [...path, 'config', 'oidc_providers'], out);
    checkConfig(config.vo, [...path, 'config', 'vo'], out);
  }
  checkEnv(release, path, out, 'optionalConfig');
}

/** Plaintext secrets in an environment's releases and common layer (the raw, merged input). */
export function findPlaintextSecrets(env: unknown, daemonKeys: readonly string[]): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isObject(env)) return out;
  checkRelease(env.common, ['common'], out, []);
  for (const kind of ['servers', 'daemons'] as const) {
    const releases = env[kind];
    if (!isObject(releases)) continue;
    for (const [name, release] of Object.entries(releases))
      checkRelease(release, [kind, name], out, kind === 'daemons' ? daemonKeys : []);
  }
  if (isObject(env.webui))
    for (const [name, release] of Object.entries(env.webui)) checkWebui(release, ['webui', name], out);
  return out;
}

/** A PEM private key (RSA, EC, OpenSSH, PKCS#8, encrypted or not). */
export const PRIVATE_KEY = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----/;

/** Token formats that are credentials wherever they appear. */
const TOKEN_PATTERNS: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: 'a JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { what: 'a GitHub token', pattern: /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/ },
  { what: 'a GitLab token', pattern: /\b(glpat|gldt|glrt|glptt)-[A-Za-z0-9_-]{20,}\b/ },
  { what: 'an AWS access key id', pattern: /\bAKIA[0-9A-Z]{16}\b/ },
];

/** Names of keys that hold tokens: a long base64 or hex literal under such a name is a credential. */
const TOKEN_NAME = /token|secret|api_?key|access_?key|auth/i;
const LONG_HEX = /^[0-9a-fA-F]{32,}$/;
const LONG_BASE64 = /^[A-Za-z0-9+/_-]{24,}={0,2}$/;

/** A long opaque value: hex, or base64 with digits and both cases (a path or a snake_case name is neither). */
function opaque(v: string): boolean {
  if (LONG_HEX.test(v)) return true;
  return LONG_BASE64.test(v) && !v.startsWith('/') && /[0-9]/.test(v) && /[a-z]/.test(v) && /[A-Z]/.test(v);
}

/** A reference resolved at run time, not a literal: `$(VAR)`, `${VAR}`, `{{ .Values.x }}`. */
const REFERENCE = /^(\$\(|\$\{|\{\{)/;

/** A credential found in a string, with what kind it is; `undefined` when the string looks clean. */
export function credentialIn(key: string, value: string): string | undefined {
  const match = URL_WITH_PASSWORD.exec(value);
  if (match) {
    const password = match[0].slice(match[0].lastIndexOf(':') + 1, -1);
    if (!REFERENCE.test(password) && password !== '') return 'a URL with a password';
  }
  if (PRIVATE_KEY.test(value)) return 'a private key';
  for (const { what, pattern } of TOKEN_PATTERNS) if (pattern.test(value)) return what;
  const v = value.trim();
  if (REFERENCE.test(v)) return undefined;
  if (TOKEN_NAME.test(key) && opaque(v)) return 'a token';
  if (SECRET_NAME.test(key) && !harmless(v)) return `a literal value under a secret's name ('${key}')`;
  return undefined;
}

/** A credential found at a path. */
export interface CredentialFinding {
  readonly path: Path;
  readonly what: string;
}

/**
 * Scans every string of a value for credentials. An `{name, value}` pair (an env var) is judged by its `name`; a string
 * holding a JSON document (a ConfigMap's `component.json`) is scanned inside.
 */
export function scanCredentials(root: unknown, base: Path = []): CredentialFinding[] {
  const out: CredentialFinding[] = [];
  const visit = (value: unknown, path: (string | number)[], key: string, depth: number): void => {
    if (depth > 200) return;
    if (typeof value === 'string') {
      let parsed: unknown;
      if (value.length > 1 && value.length < 1_000_000 && value.trimStart().startsWith('{')) {
        try {
          parsed = JSON.parse(value);
        } catch {
          parsed = undefined;
        }
      }
      if (parsed !== null && typeof parsed === 'object') {
        const before = out.length;
        visit(parsed, [], key, depth + 1);
        // Findings inside the document are reported at the string that holds it, naming the inner key.
        const inner = out.splice(before);
        for (const f of inner) out.push({ path, what: `${f.what} (at '${f.path.join('.')}' inside the JSON text)` });
        return;
      }
      const what = credentialIn(key, value);
      if (what) out.push({ path, what });
      return;
    }
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, [...path, i], key, depth + 1));
      return;
    }
    const record = value as Record<string, unknown>;
    const envName = typeof record.name === 'string' && 'value' in record ? record.name : undefined;
    for (const [k, v] of Object.entries(record))
      visit(v, [...path, k], k === 'value' && envName !== undefined ? envName : k, depth + 1);
  };
  visit(root, [...base], '', 0);
  return out;
}
