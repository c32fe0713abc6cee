/**
 * The credential scanner: one linear-time pass family over text and over structured values (keys and values), used on
 * the environment files (every layer, as parsed and as written) and on every output file, before anything is written
 * or pushed. It has no dependency on the rest of the project, so any command (`import`, `publish`, …) can call it.
 *
 * Linear by construction: no regular expression runs over the input. Each rule finds its anchors with `indexOf` (or one
 * left-to-right loop) and looks at a bounded window around each anchor, so a 5 MB string costs a handful of passes.
 * A finding says what kind of credential it is and where, never the credential itself.
 *
 * Rules (text): private key blocks (PEM and PGP, any spacing), URLs with a password or a token as the user (a `/` in
 * the password too), JDBC thin `user/password@host`, `name=value` / `name: value` assignments whose name is a secret's
 * (`?user=…&password=…`, `PWD=…;`, an INI line), `Authorization: Basic …` / `Bearer …`, token formats (AWS key ids,
 * GitHub, GitLab, Slack tokens and webhooks, Google API keys, JSON Web Tokens, …), and base64 that decodes to any of
 * these or to `user:password`. Rules (structure): a literal under a secret's name (`dbpassword`, `DBPASS`,
 * `RUCIO_AUTHTOKEN`, `example.org/password`), an opaque key-like value under a key's name (an AWS secret key under
 * `key`), an env var `{name, value}` judged by its name, JSON text inside a string scanned as JSON, and every key
 * scanned with the text rules (a URL or a key block written as a key).
 */

/** A path inside a structured value: map keys and list indexes. */
export type KeyPath = readonly (string | number)[];

/** One credential found. */
export interface Finding {
  /** Stable rule name (`url-password`, `private-key`, `secret-name`, …). */
  readonly rule: string;
  /** What was found, in words (`a URL with a password`); never the secret. */
  readonly what: string;
  /** Where in the value: the key path (empty for a text scan). */
  readonly path: KeyPath;
  /** `key` when the key itself at `path` holds the credential (then do not print the last step of `path`). */
  readonly in: 'key' | 'value';
  /** 1-based line inside the scanned text (for text and multi-line strings). */
  readonly line: number;
}

/** A text finding before it is placed: the rule and the offset of the match. */
interface Hit {
  readonly rule: string;
  readonly what: string;
  readonly offset: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Character classes (char codes), no regular expressions.

const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isAlnum = (c: number) => isDigit(c) || isUpper(c) || isLower(c);
const isSpace = (c: number) => c === 32 || c === 9;
const isBlank = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
/** Characters of a base64 (standard or URL-safe) run, as a table (looked up for every character of a text). */
const B64_CHARS = (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) if (isAlnum(c) || c === 43 || c === 47 || c === 45 || c === 95) table[c] = 1;
  return table;
})();
const isB64 = (c: number) => c < 128 && B64_CHARS[c] === 1;
/** Characters of a token in a header or a query string. */
const isTokenChar = (c: number) =>
  isAlnum(c) || c === 43 || c === 47 || c === 61 || c === 46 || c === 95 || c === 126 || c === 45;
/** Characters that end a URL in free text. */
const endsUrl = (c: number) => isBlank(c) || c === 34 || c === 39 || c === 60 || c === 62 || c === 96;

function lineAt(text: string, offset: number, from: { offset: number; line: number }): number {
  // Lines counted incrementally: hits come in increasing offset order per rule, so the cursor only moves forward
  // within one rule; a rule that starts over resets it.
  if (offset < from.offset) {
    from.offset = 0;
    from.line = 1;
  }
  for (let i = from.offset; i < offset; i++) if (text.charCodeAt(i) === 10) from.line++;
  from.offset = offset;
  return from.line;
}

// ---------------------------------------------------------------------------------------------------------------
// Names

/** The words of a key name: `RUCIO_AUTHToken` → rucio, auth, token; `example.org/password` → example, org, password. */
function nameWords(name: string): string[] {
  const words: string[] = [];
  let word = '';
  for (let i = 0; i < name.length && i < 256; i++) {
    const c = name.charCodeAt(i);
    if (!isAlnum(c)) {
      if (word) words.push(word);
      word = '';
      continue;
    }
    const prev = i > 0 ? name.charCodeAt(i - 1) : 0;
    const next = i + 1 < name.length ? name.charCodeAt(i + 1) : 0;
    // camelCase and ACRONYMWord boundaries
    if (word && isUpper(c) && (isLower(prev) || (isUpper(prev) && isLower(next)))) {
      words.push(word);
      word = '';
    }
    word += String.fromCharCode(isUpper(c) ? c + 32 : c);
  }
  if (word) words.push(word);
  return words;
}

/** Parts that make a name a secret's wherever they appear in it (`dbpassword`, `RUCIO_AUTHTOKEN`). */
const SECRET_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'passcode',
  'secret',
  'token',
  'apikey',
  'privatekey',
  'accesskey',
  'secretkey',
  'accountkey',
  'signingkey',
  'sessionkey',
  'masterkey',
  'encryptionkey',
  'credential',
  'bearer',
  'cookie',
];
/** Words that make a name a secret's as a whole word or a final part (`DBPASS`, `db_pwd`, `x-api-key`). */
const SECRET_ENDINGS = ['pass', 'pwd', 'pw', 'psw', 'pin'];
/** Words ending in `pass` that are not passwords. */
const NOT_PASS = ['bypass', 'compass', 'encompass', 'overpass', 'underpass', 'surpass', 'trespass'];
/**
 * Final words that make a secret's name a reference or a setting, not the secret: `password_file`, `secretName`,
 * `tokenLifetime`, `automountServiceAccountToken` (a switch), `secretKeyRef` (a map). The value is still scanned
 * with the text rules, and a file/path/dir reference must look like a path.
 */
const REFERENCE_ENDINGS = new Set([
  'name',
  'names',
  'ref',
  'refs',
  'file',
  'files',
  'path',
  'paths',
  'dir',
  'directory',
  'mount',
  'mounts',
  'type',
  'kind',
  'mode',
  'ttl',
  'lifetime',
  'length',
  'size',
  'age',
  'expiry',
  'expiration',
  'expires',
  'seconds',
  'minutes',
  'hours',
  'days',
  'timeout',
  'interval',
  'count',
  'enabled',
  'enable',
  'required',
  'url',
  'uri',
  'endpoint',
  'host',
  'hosts',
  'port',
  'provider',
  'issuer',
  'audience',
  'scope',
  'scopes',
  'header',
  'env',
  'envs',
  'version',
  'format',
  'policy',
  'id',
  'user',
  'username',
  'login',
  'account',
]);
/** Names of switches and references that contain a secret's word but are neither (Kubernetes fields, chart keys). */
const REFERENCE_NAMES = new Set([
  'automountserviceaccounttoken',
  'implicitsecrets',
  'usedeprecatedimplicitsecrets',
  'imagepullsecrets',
  'secretmounts',
  'extrasecretmounts',
  'secretkeyref',
  'secretref',
  'secret',
  'secrets',
  'tokens',
  'secretenv',
]);
/** Words before a final `secret` that make it the secret itself, not a Secret's name (`clientSecret`). */
const SECRET_OWNERS = new Set([
  'client',
  'shared',
  'app',
  'api',
  'webhook',
  'jwt',
  'signing',
  'hmac',
  'session',
  'oauth',
]);

/**
 * Results of the pure functions below for strings seen before: keys (`metadata`, `name`, `resources`) and values
 * (labels, images, paths) repeat across the objects of a run thousands of times, and each is scanned by every text rule.
 * Only short strings are kept, and each table is emptied when it reaches its bound in entries or in characters, so
 * each table holds at most a few megabytes (the checks' scan worker runs with a small heap, see checks/scan-pool.ts).
 */
const MEMO_MAX_LENGTH = 1024;
const MEMO_MAX_ENTRIES = 20_000;
const MEMO_MAX_CHARS = 1_000_000;
const nameKinds = new Map<string, 'secret' | 'reference' | 'plain'>();
const stringHits = new Map<string, readonly Hit[]>();
const memoChars = new Map<Map<string, unknown>, number>();

function remember<V>(table: Map<string, V>, key: string, value: V): void {
  const chars = (memoChars.get(table) ?? 0) + key.length;
  if (table.size >= MEMO_MAX_ENTRIES || chars > MEMO_MAX_CHARS) {
    table.clear();
    memoChars.set(table, key.length);
  } else memoChars.set(table, chars);
  table.set(key, value);
}

/** How a key's name reads: `secret` (its literal value is a credential), `reference` (it names one), or `plain`. */
function nameKind(name: string): 'secret' | 'reference' | 'plain' {
  let kind = nameKinds.get(name);
  if (kind === undefined) {
    kind = nameKindOf(name);
    if (name.length <= MEMO_MAX_LENGTH) remember(nameKinds, name, kind);
  }
  return kind;
}

function nameKindOf(name: string): 'secret' | 'reference' | 'plain' {
  const words = nameWords(name);
  if (words.length === 0) return 'plain';
  const joined = words.join('');
  let secret = SECRET_PARTS.some((p) => joined.includes(p));
  if (!secret) {
    const last = words[words.length - 1]!;
    secret =
      SECRET_ENDINGS.includes(last) ||
      words.some((w) => w === 'pass' || w === 'pwd' || w === 'passwd') ||
      (joined.endsWith('pass') && !NOT_PASS.some((w) => joined.endsWith(w)));
  }
  if (!secret) return 'plain';
  if (REFERENCE_NAMES.has(joined)) return 'reference';
  if (REFERENCE_ENDINGS.has(words[words.length - 1]!) && words.length > 1) return 'reference';
  return 'secret';
}

/** Whether a key's name says its literal value is a credential. */
export function isSecretName(name: string): boolean {
  return nameKind(name) === 'secret';
}

/** A value that is not a credential even under a secret's name: empty, a switch, or a whole run-time reference. */
function isHarmlessLiteral(value: string): boolean {
  const v = value.trim();
  if (v === '') return true;
  const lower = v.toLowerCase();
  if (['true', 'false', 'yes', 'no', 'on', 'off', 'none', 'null', '~', 'changeme?'].includes(lower)) return true;
  return isReference(v);
}

/** `$(VAR)`, `${VAR}` (one variable, nothing else) or `{{ … }}` without other text: resolved at run time. */
function isReference(v: string): boolean {
  if (v.length < 4 || v.length > 256) return false;
  const open = v.slice(0, 2);
  const close = v[v.length - 1];
  if ((open === '$(' && close === ')') || (open === '${' && close === '}')) {
    for (let i = 2; i < v.length - 1; i++) {
      const c = v.charCodeAt(i);
      if (!(isAlnum(c) || c === 95 || (i > 2 && c === 46))) return false;
    }
    return v.length > 3;
  }
  if (open === '{{' && v.endsWith('}}')) return v.indexOf('}}') === v.length - 2;
  return false;
}

/** A DNS-1123 subdomain (a Kubernetes object name). */
function isObjectName(v: string): boolean {
  if (v.length === 0 || v.length > 253) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!(isLower(c) || isDigit(c) || c === 45 || c === 46)) return false;
  }
  return isAlnum(v.charCodeAt(0)) && isAlnum(v.charCodeAt(v.length - 1));
}

function looksLikePath(v: string): boolean {
  return (v.startsWith('/') || v.startsWith('./') || v.startsWith('~/')) && !v.includes(' ') && !v.includes('@');
}

/** A literal value under `name`: the credential it is, or undefined. */
function literalUnderName(name: string, value: string): string | undefined {
  const kind = nameKind(name);
  if (kind === 'plain' || isHarmlessLiteral(value)) return undefined;
  const words = nameWords(name);
  const last = words[words.length - 1]!;
  if (kind === 'reference') {
    // A file, path or folder reference must be one; anything else under such a name is not checked by name.
    if ((last === 'file' || last === 'path' || last === 'dir' || last === 'directory') && !looksLikePath(value.trim()))
      return `a literal value under a secret's name ('${shortName(name)}'), not a path`;
    return undefined;
  }
  // `ftsProxySecret: rucio-x509up`: a final `secret` holding an object name is a Secret's name.
  if (
    last === 'secret' &&
    words.length > 1 &&
    !SECRET_OWNERS.has(words[words.length - 2]!) &&
    isObjectName(value.trim())
  )
    return undefined;
  // `RUCIO_FTS_SECRETS: daemonprod-rucio-x509up,…`: a final `secrets` holding object names lists Secrets' names.
  if (last === 'secrets' && words.length > 1 && value.split(',').every((n) => isObjectName(n.trim()))) return undefined;
  return `a literal value under a secret's name ('${shortName(name)}')`;
}

/** A name safe to print: a key that itself holds a credential is never echoed. */
function shortName(name: string): string {
  if (name.length > 80 || name.includes('\n')) return 'a long key';
  return name;
}

/** A long opaque value: no spaces, 20+ characters, upper and lower case letters and digits (an AWS secret key). */
function isOpaque(v: string): boolean {
  if (v.length < 20 || v.length > 4096 || v.startsWith('/')) return false;
  let upper = false;
  let lower = false;
  let digit = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (isUpper(c)) upper = true;
    else if (isLower(c)) lower = true;
    else if (isDigit(c)) digit = true;
    else if (!(c === 43 || c === 47 || c === 61 || c === 95 || c === 45)) return false;
  }
  return upper && lower && digit;
}

/** A name for a key (or credential-like material): `key`, `s3_key`, `aws_key`, `signature`, `auth`. */
function isKeyName(name: string): boolean {
  const words = nameWords(name);
  return words.some((w) => w === 'key' || w === 'auth' || w === 'signature' || w === 'sig' || w === 'hmac');
}

// ---------------------------------------------------------------------------------------------------------------
// Text rules

/** `-----BEGIN … PRIVATE KEY-----` (PEM, PGP `… PRIVATE KEY BLOCK`), with any spacing and any number of dashes. */
function privateKeys(text: string, hits: Hit[]): void {
  for (let i = text.indexOf('PRIVATE'); i >= 0; i = text.indexOf('PRIVATE', i + 7)) {
    let j = i + 7;
    while (j < text.length && j < i + 24 && isBlank(text.charCodeAt(j))) j++;
    if (text.slice(j, j + 3) !== 'KEY') continue;
    // BEGIN within 64 characters before, only upper-case words, digits and blanks in between.
    const from = Math.max(0, i - 64);
    const window = text.slice(from, i).lastIndexOf('BEGIN');
    if (window < 0) continue;
    const begin = from + window;
    let ok = true;
    for (let k = begin + 5; k < i; k++) {
      const c = text.charCodeAt(k);
      if (!(isUpper(c) || isDigit(c) || isBlank(c))) {
        ok = false;
        break;
      }
    }
    if (ok) hits.push({ rule: 'private-key', what: 'a private key block', offset: begin });
  }
}

/** Known token formats, each an anchor plus the characters and length that must follow. */
const TOKENS: readonly {
  readonly prefix: string;
  readonly what: string;
  readonly min: number;
  readonly chars: (c: number) => boolean;
  /** The character before must not be a letter or digit. */
  readonly boundary?: boolean;
  /** Exactly this many characters follow (AWS key ids: `AKIA…_suffix` is still a key id). */
  readonly exact?: boolean;
}[] = [
  ...['AKIA', 'ASIA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'ABIA', 'ACCA'].map((prefix) => ({
    prefix,
    what: 'an AWS access key id',
    min: 16,
    chars: (c: number) => isUpper(c) || isDigit(c),
    boundary: true,
    exact: true,
  })),
  ...['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((prefix) => ({
    prefix,
    what: 'a GitHub token',
    min: 30,
    chars: isAlnum,
    boundary: true,
  })),
  { prefix: 'github_pat_', what: 'a GitHub token', min: 22, chars: (c) => isAlnum(c) || c === 95 },
  ...['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glsoat-', 'gloas-', 'glcbt-'].map((prefix) => ({
    prefix,
    what: 'a GitLab token',
    min: 20,
    chars: (c: number) => isAlnum(c) || c === 95 || c === 45,
    boundary: true,
  })),
  ...['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxe-', 'xapp-'].map((prefix) => ({
    prefix,
    what: 'a Slack token',
    min: 10,
    chars: (c: number) => isAlnum(c) || c === 45,
    boundary: true,
  })),
  {
    prefix: 'hooks.slack.com/services/',
    what: 'a Slack webhook URL',
    min: 8,
    chars: (c) => isAlnum(c) || c === 47 || c === 95,
  },
  {
    prefix: 'hooks.slack.com/workflows/',
    what: 'a Slack webhook URL',
    min: 8,
    chars: (c) => isAlnum(c) || c === 47 || c === 95,
  },
  {
    prefix: 'AIza',
    what: 'a Google API key',
    min: 35,
    chars: (c) => isAlnum(c) || c === 95 || c === 45,
    boundary: true,
  },
  { prefix: 'ya29.', what: 'a Google OAuth token', min: 20, chars: (c) => isAlnum(c) || c === 95 || c === 45 },
  { prefix: 'sk_live_', what: 'a Stripe key', min: 16, chars: isAlnum },
  { prefix: 'rk_live_', what: 'a Stripe key', min: 16, chars: isAlnum },
  { prefix: 'npm_', what: 'an npm token', min: 36, chars: isAlnum, boundary: true },
  { prefix: 'pypi-AgE', what: 'a PyPI token', min: 20, chars: (c) => isAlnum(c) || c === 95 || c === 45 },
  {
    prefix: 'sk-',
    what: 'an API secret key',
    min: 40,
    chars: (c) => isAlnum(c) || c === 95 || c === 45,
    boundary: true,
  },
  { prefix: 'SG.', what: 'a SendGrid key', min: 60, chars: (c) => isAlnum(c) || c === 95 || c === 45 || c === 46 },
];

/** The token formats by the code of their first character, so one pass finds every prefix. */
const TOKENS_BY_FIRST = (() => {
  const table: (typeof TOKENS)[number][][] = [];
  for (const t of TOKENS) (table[t.prefix.charCodeAt(0)] ??= []).push(t);
  return table;
})();

function tokens(text: string, hits: Hit[]): void {
  // One pass; after a match the rest of its run is skipped (it is the same token), so each character is read a
  // bounded number of times.
  for (let i = 0; i < text.length; i++) {
    const specs = TOKENS_BY_FIRST[text.charCodeAt(i)];
    if (specs === undefined) continue;
    for (const t of specs) {
      let m = 1;
      while (m < t.prefix.length && text.charCodeAt(i + m) === t.prefix.charCodeAt(m)) m++;
      if (m < t.prefix.length) continue;
      if (t.boundary && i > 0 && isAlnum(text.charCodeAt(i - 1))) continue;
      let j = i + t.prefix.length;
      const end = t.exact ? j + t.min : text.length;
      while (j < end && j < text.length && t.chars(text.charCodeAt(j))) j++;
      const n = j - i - t.prefix.length;
      if (t.exact ? n === t.min : n >= t.min) hits.push({ rule: 'token', what: t.what, offset: i });
      if (!t.exact && j > i + 1) i = j - 1;
      break;
    }
  }
  // JSON Web Tokens: eyJ….eyJ….signature
  for (let i = text.indexOf('eyJ'); i >= 0; i = text.indexOf('eyJ', i + 3)) {
    let j = i;
    let parts = 0;
    let run = 0;
    let ok = true;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (isAlnum(c) || c === 95 || c === 45) run++;
      else if (c === 46 && run >= 8) {
        parts++;
        run = 0;
        if (parts === 1 && text.slice(j + 1, j + 4) !== 'eyJ') {
          ok = false;
          break;
        }
      } else break;
      j++;
    }
    if (ok && parts >= 2 && run >= 8) hits.push({ rule: 'token', what: 'a JSON Web Token', offset: i });
    if (j > i + 3) i = j - 3; // do not rescan the token
  }
}

/** `scheme://user:password@host`, `scheme://token@host`; a `/` in the password too; `$(VAR)` alone is a reference. */
function urls(text: string, hits: Hit[]): void {
  for (let i = text.indexOf('://'); i >= 0; i = text.indexOf('://', i + 3)) {
    // scheme
    let s = i;
    while (s > 0 && i - s < 32) {
      const c = text.charCodeAt(s - 1);
      if (isAlnum(c) || c === 43 || c === 46 || c === 45) s--;
      else break;
    }
    if (s === i || !(isUpper(text.charCodeAt(s)) || isLower(text.charCodeAt(s)))) continue;
    const start = i + 3;
    // the URL: up to a blank, a quote or a bracket; the userinfo ends at its first '@' (a password may hold '/')
    let end = start;
    let at = -1;
    // stops at the first '@', or at the next '://' (each character is read once per URL)
    while (end < text.length && !endsUrl(text.charCodeAt(end))) {
      const c = text.charCodeAt(end);
      if (c === 64) {
        at = end;
        break;
      }
      if (c === 58 && text.charCodeAt(end + 1) === 47 && text.charCodeAt(end + 2) === 47) break;
      end++;
    }
    if (at < 0) continue;
    const userinfo = text.slice(start, at);
    if (userinfo.startsWith('[')) continue;
    const colon = userinfo.indexOf(':');
    if (colon < 0) {
      // a token as the user (`https://ghp_…@github.com`, `https://<40 hex>@host`)
      if (!userinfo.includes('/') && (isOpaque(userinfo) || isHex(userinfo, 32)))
        hits.push({ rule: 'url-token', what: 'a URL with a token as its user', offset: s });
      continue;
    }
    const user = userinfo.slice(0, colon);
    const password = userinfo.slice(colon + 1);
    if (user.includes('/')) continue; // `host/path@x`: the '@' is in the path
    if (password === '' || isReference(password)) continue;
    // `host:8443/path@x`: a port then a path, not a password
    let p = 0;
    while (p < password.length && p < 6 && isDigit(password.charCodeAt(p))) p++;
    if (p > 0 && (password.charCodeAt(p) === 47 || p === password.length) && !looksLikeUser(user)) continue;
    hits.push({ rule: 'url-password', what: 'a URL with a password', offset: s });
  }
}

/** A user name before `:password` rather than a host name before `:port` (a host has a dot or is `localhost`). */
function looksLikeUser(user: string): boolean {
  return !(user.includes('.') || user === 'localhost');
}

function isHex(v: string, min: number): boolean {
  if (v.length < min) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!(isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/** JDBC thin `user/password@host` and Oracle EZConnect `user/password@//host`. */
function jdbc(text: string, hits: Hit[], thin: readonly number[]): void {
  // Two pointers that only move forward: the next blank or '@', and the next '/'; so the scan stays linear however
  // many `thin:` there are.
  let stop = 0;
  let slash = 0;
  for (const i of thin) {
    const from = i + 5;
    if (text.charCodeAt(from) === 64) continue; // thin:@host: no credentials
    if (stop < from) stop = from;
    while (stop < text.length && !isBlank(text.charCodeAt(stop)) && text.charCodeAt(stop) !== 64) stop++;
    if (slash < from) slash = from;
    while (slash < text.length && text.charCodeAt(slash) !== 47) slash++;
    if (text.charCodeAt(stop) === 64 && slash > from && slash < stop - 1)
      hits.push({ rule: 'jdbc-password', what: 'a JDBC URL with a password', offset: i });
  }
  for (let i = text.indexOf('@//'); i >= 0; i = text.indexOf('@//', i + 3)) {
    let j = i;
    let slash = -1;
    while (j > 0 && i - j < 256) {
      const c = text.charCodeAt(j - 1);
      if (isBlank(c) || c === 34 || c === 39 || c === 58 || c === 61) break;
      if (c === 47) slash = j - 1;
      j--;
    }
    if (slash > j && slash < i - 1 && !isReference(text.slice(slash + 1, i)))
      hits.push({ rule: 'jdbc-password', what: 'a connect string with a password', offset: j });
  }
}

/**
 * Where each of some lower-case ASCII words starts, case-insensitively, in one pass over the text (first characters
 * dispatched through a table, each candidate compared over the word's length only).
 */
function findWordsCI(text: string, words: readonly string[]): number[][] {
  const out: number[][] = words.map(() => []);
  const byFirst: number[][] = [];
  words.forEach((w, k) => {
    const c = w.charCodeAt(0);
    (byFirst[c] ??= []).push(k);
    if (isLower(c)) (byFirst[c - 32] ??= []).push(k);
  });
  for (let i = 0; i < text.length; i++) {
    const ks = byFirst[text.charCodeAt(i)];
    if (ks === undefined) continue;
    for (const k of ks) {
      const w = words[k]!;
      let m = 1;
      for (; m < w.length; m++) {
        const d = text.charCodeAt(i + m);
        const n = w.charCodeAt(m);
        if (d !== n && !(isLower(n) && d === n - 32)) break;
      }
      if (m === w.length) out[k]!.push(i);
    }
  }
  return out;
}

/**
 * `name=value` and `name: value` where the name is a secret's: query strings (`?user=…&password=…`), ODBC
 * (`PWD=…;`), INI lines (`password = …`), JSON text (`"token": "…"`), shell (`PGPASSWORD=…`). The name is read
 * backwards from the separator (at most 64 characters), so the scan stays linear.
 */
function assignments(text: string, hits: Hit[], inYaml: boolean): void {
  // The separators are found with indexOf (the next '=' and the next ':', each pointer only moves forward), so the
  // text between them is not walked character by character.
  let eq = text.indexOf('=');
  let colon = text.indexOf(':');
  let from = 0;
  for (;;) {
    if (eq >= 0 && eq < from) eq = text.indexOf('=', from);
    if (colon >= 0 && colon < from) colon = text.indexOf(':', from);
    const i = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
    if (i < 0) return;
    from = i + 1;
    const sep = text.charCodeAt(i);
    // `://` is a URL, `==`/`:=` are not assignments we read
    if (sep === 58 && text.charCodeAt(i + 1) === 47) continue;
    // name, backwards: blanks, an optional closing quote, then name characters
    let j = i;
    while (j > 0 && i - j < 8 && isSpace(text.charCodeAt(j - 1))) j--;
    const quote = j > 0 ? text.charCodeAt(j - 1) : 0;
    // In YAML text, `key: value` pairs are judged structurally; here only `=` and names inside quotes (JSON).
    if (sep === 58 && inYaml && quote !== 34) continue;
    if (quote === 34 || quote === 39) j--;
    const nameEnd = j;
    while (j > 0 && nameEnd - j < 64) {
      const c = text.charCodeAt(j - 1);
      if (isAlnum(c) || c === 95 || c === 45 || c === 46 || c === 47) j--;
      else break;
    }
    if (j === nameEnd) continue;
    const name = text.slice(j, nameEnd);
    if (nameKind(name) !== 'secret') continue;
    // value: skip blanks and an opening quote, read to the next delimiter
    let k = i + 1;
    if (sep === 61 && text.charCodeAt(k) === 61) continue;
    while (k < text.length && k - i < 8 && isSpace(text.charCodeAt(k))) k++;
    const open = text.charCodeAt(k);
    if (open === 34 || open === 39) k++;
    const vs = k;
    while (k < text.length && k - vs < 512) {
      const c = text.charCodeAt(k);
      if (isBlank(c) || c === 38 || c === 59 || c === 44 || c === 34 || c === 39 || c === 125 || c === 93) break;
      k++;
    }
    const value = text.slice(vs, k);
    if (value === '' || open === 123 || open === 91 || open === 124 || open === 62) continue;
    if (isHarmlessLiteral(value)) continue;
    if (literalUnderName(name, value) === undefined) continue;
    hits.push({ rule: 'assignment', what: `a value assigned to a secret's name ('${shortName(name)}')`, offset: j });
    if (k > i) from = k;
  }
}

/** `Authorization: Basic <base64 user:password>` and `Bearer <token>`. */
function authorization(text: string, hits: Hit[], found: readonly (readonly number[])[]): void {
  const words = [
    ['basic', 8],
    ['bearer', 16],
    ['token', 24],
  ] as const;
  for (let w = 0; w < words.length; w++) {
    const [word, min] = words[w]!;
    for (const i of found[w]!) {
      if (i > 0 && isAlnum(text.charCodeAt(i - 1))) continue;
      let j = i + word.length;
      const gap = j;
      while (j < text.length && j - gap < 4 && isSpace(text.charCodeAt(j))) j++;
      if (j === gap) continue;
      const start = j;
      let digit = false;
      let other = false;
      while (j < text.length && j - start < 8192 && isTokenChar(text.charCodeAt(j))) {
        const c = text.charCodeAt(j);
        if (isDigit(c)) digit = true;
        else if (!isAlnum(c)) other = true;
        j++;
      }
      const n = j - start;
      if (n < min) continue;
      const value = text.slice(start, j);
      if (word === 'basic') {
        const decoded = decodePrintable(value);
        if (decoded !== undefined && decoded.includes(':') && !decoded.endsWith(':'))
          hits.push({ rule: 'authorization', what: 'HTTP basic credentials', offset: i });
      } else if ((digit || other) && !isReference(value)) {
        if (word === 'token' && !(digit && hasBothCases(value))) continue;
        hits.push({
          rule: 'authorization',
          what: `a ${word === 'bearer' ? 'bearer' : 'authorization'} token`,
          offset: i,
        });
      }
    }
  }
}

function hasBothCases(v: string): boolean {
  let u = false;
  let l = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (isUpper(c)) u = true;
    else if (isLower(c)) l = true;
  }
  return u && l;
}

/** base64 decoded, when the result is printable text; otherwise undefined. */
function decodePrintable(b64: string): string | undefined {
  const buffer = Buffer.from(b64, b64.includes('-') || b64.includes('_') ? 'base64url' : 'base64');
  if (buffer.length < 6) return undefined;
  for (const byte of buffer)
    if (!(byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127))) return undefined;
  return buffer.toString('latin1');
}

/**
 * Runs of base64 (16+ characters, line breaks allowed) that decode to printable text: the decoded text is scanned
 * with every text rule, and a decoded `user:password` is a credential by itself. A run over several lines that does
 * not decode as a whole is decoded line by line too: a base64 value on one line of a multi-line string would otherwise
 * be hidden by a word on the next line (found in the YAML text, whose indentation ends the run, but not in the string
 * itself). Each character is decoded at most twice per level, and there are two levels, so this stays linear.
 */
function base64Runs(text: string, hits: Hit[], depth: number): void {
  const decodeAt = (run: string, offset: number): boolean => {
    const decoded = decodePrintable(run.replace(/[\r\n]/g, ''));
    if (decoded === undefined) return false;
    const inner: Hit[] = [];
    scanTextHits(decoded, inner, depth + 1, false);
    if (inner.length > 0)
      for (const h of inner) hits.push({ rule: h.rule, what: `${h.what} (base64-encoded)`, offset });
    else if (isUserPassword(decoded))
      hits.push({ rule: 'base64-credentials', what: 'base64-encoded credentials (user:password)', offset });
    return true;
  };
  let i = 0;
  while (i < text.length) {
    if (!isB64(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let chars = 0;
    let lineRun = 0;
    let lines = 1;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (isB64(c)) {
        chars++;
        lineRun++;
      } else if (c === 61) {
        // padding ends the run
        while (i < text.length && text.charCodeAt(i) === 61) i++;
        break;
      } else if ((c === 10 || c === 13) && lineRun >= 16) {
        lineRun = 0;
        lines++;
      } else break;
      i++;
    }
    if (chars < 16) continue;
    const run = text.slice(start, i);
    if (decodeAt(run, start) || lines === 1) continue;
    let from = 0;
    for (const line of run.split('\n')) {
      const bare = line.replace(/\r/g, '');
      if (bare.length >= 16) decodeAt(bare, start + from);
      from += line.length + 1;
    }
  }
}

/** `user:password` and nothing else. */
function isUserPassword(v: string): boolean {
  const colon = v.indexOf(':');
  if (colon < 1 || colon > 128 || colon === v.length - 1 || v.length > 1024) return false;
  for (let i = 0; i < v.length; i++) if (isBlank(v.charCodeAt(i))) return false;
  return true;
}

function scanTextHits(text: string, hits: Hit[], depth: number, inYaml: boolean): void {
  privateKeys(text, hits);
  tokens(text, hits);
  urls(text, hits);
  const [basic, bearer, token, thin] = findWordsCI(text, ['basic', 'bearer', 'token', 'thin:']);
  jdbc(text, hits, thin!);
  assignments(text, hits, inYaml);
  authorization(text, hits, [basic!, bearer!, token!]);
  if (depth < 2) base64Runs(text, hits, depth);
}

/** The text rules' hits in a key or a string value (not YAML, top level), remembered for short strings. */
function stringTextHits(text: string): readonly Hit[] {
  let hits = stringHits.get(text);
  if (hits === undefined) {
    const found: Hit[] = [];
    scanTextHits(text, found, 0, false);
    hits = found.length === 0 ? NO_HITS : found;
    if (text.length <= MEMO_MAX_LENGTH) remember(stringHits, text, hits);
  }
  return hits;
}
const NO_HITS: readonly Hit[] = Object.freeze([]);

function place(text: string, hits: readonly Hit[], path: KeyPath, where: 'key' | 'value'): Finding[] {
  if (hits.length === 0) return [];
  const cursor = { offset: 0, line: 1 };
  const sorted = [...hits].sort((a, b) => a.offset - b.offset);
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const h of sorted) {
    const line = lineAt(text, h.offset, cursor);
    const key = `${line}\u0000${h.what}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ rule: h.rule, what: h.what, path, in: where, line });
  }
  return out;
}

/** Options of a text scan. */
export interface TextScanOptions {
  /** The text is YAML: `key: value` pairs are left to the structural scan (no name rule on `:`). */
  readonly yaml?: boolean;
}

/** Scans a text (a file, a multi-line string): every text rule, each finding with its line. */
export function scanText(text: string, options: TextScanOptions = {}): Finding[] {
  const hits: Hit[] = [];
  scanTextHits(text, hits, 0, options.yaml ?? false);
  return place(text, hits, [], 'value');
}

/**
 * Scans a structured value (parsed YAML or JSON, a Kubernetes object): every key with the text rules, every string
 * with the text rules and the name rules of its key; an `{name, value}` pair (an env var) is judged by its name; a
 * string holding a JSON document is scanned as one. Deep values are walked with an explicit stack (no recursion limit).
 */
export function scanValue(root: unknown, base: KeyPath = []): Finding[] {
  const out: Finding[] = [];
  // Paths are kept as links to the parent's step and made into arrays only for a finding: most nodes have none.
  const stack: { value: unknown; at: Step | undefined; name: string }[] = [{ value: root, at: undefined, name: '' }];
  const pathOf = (at: Step | undefined): KeyPath => {
    const steps: (string | number)[] = [];
    for (let s = at; s !== undefined; s = s.parent) steps.push(s.key);
    return [...base, ...steps.reverse()];
  };
  while (stack.length > 0) {
    const { value, at, name } = stack.pop()!;
    if (typeof value === 'string') {
      scanString(value, name, () => pathOf(at), out, 0);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], at: { parent: at, key: i }, name });
      continue;
    }
    const record = value as Record<string, unknown>;
    const envName = typeof record.name === 'string' && 'value' in record ? record.name : undefined;
    const keys = Object.keys(record);
    for (let e = keys.length - 1; e >= 0; e--) {
      const k = keys[e]!;
      const step: Step = { parent: at, key: k };
      const hits = stringTextHits(k);
      if (hits.length > 0) out.push(...place(k, hits, pathOf(step), 'key'));
      // A key that holds a credential is reported once, and never used as a name (it would be echoed).
      const keyName = hits.length > 0 ? '' : k;
      stack.push({ value: record[k], at: step, name: k === 'value' && envName !== undefined ? envName : keyName });
    }
  }
  return out;
}

/** One step of a path, linked to its parent's. */
interface Step {
  readonly parent: Step | undefined;
  readonly key: string | number;
}

function scanString(value: string, name: string, at: () => KeyPath, out: Finding[], json: number): void {
  const t = value.trimStart();
  if (json < 4 && value.length > 1 && (t.startsWith('{') || t.startsWith('['))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (parsed !== null && typeof parsed === 'object') {
      const path = at();
      for (const f of scanValueJson(parsed, json + 1))
        out.push({ ...f, path, in: 'value', what: `${f.what} (at '${f.path.join('.')}' inside the JSON text)` });
      return;
    }
  }
  const hits = stringTextHits(value);
  const found = hits.length === 0 ? [] : place(value, hits, at(), 'value');
  out.push(...found);
  if (name !== '') {
    const what = literalUnderName(name, value);
    if (what && !found.some((f) => f.line === 1 && f.rule === 'assignment'))
      out.push({ rule: 'secret-name', what, path: at(), in: 'value', line: 1 });
    else if (!what && isKeyName(name) && isOpaque(value.trim()) && found.length === 0)
      out.push({
        rule: 'opaque-key',
        what: `an opaque key-like value under '${shortName(name)}'`,
        path: at(),
        in: 'value',
        line: 1,
      });
  }
}

function scanValueJson(parsed: unknown, json: number): Finding[] {
  const out: Finding[] = [];
  // As in scanValue: paths as links to the parent's step, made into arrays only for a finding.
  const stack: { value: unknown; at: Step | undefined; name: string }[] = [{ value: parsed, at: undefined, name: '' }];
  const pathOf = (at: Step | undefined): KeyPath => {
    const steps: (string | number)[] = [];
    for (let s = at; s !== undefined; s = s.parent) steps.push(s.key);
    return steps.reverse();
  };
  while (stack.length > 0) {
    const { value, at, name } = stack.pop()!;
    if (typeof value === 'string') {
      scanString(value, name, () => pathOf(at), out, json);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], at: { parent: at, key: i }, name });
      continue;
    }
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      const step: Step = { parent: at, key: k };
      const hits = stringTextHits(k);
      if (hits.length > 0) out.push(...place(k, hits, pathOf(step), 'key'));
      stack.push({ value: record[k], at: step, name: hits.length > 0 ? '' : k });
    }
  }
  return out;
}

/**
 * The one entry point for other commands: a text (with `path` naming where it came from) or a structured value.
 * Findings never hold the credential.
 */
export function scan(input: unknown, path: KeyPath = []): Finding[] {
  if (typeof input === 'string') return scanText(input).map((f) => ({ ...f, path }));
  return scanValue(input, path);
}

/** A printable key path: a step holding a credential in its key is shown as `<key holding …>`, never echoed. */
export function printablePath(f: Pick<Finding, 'path' | 'in'>): string {
  const steps = f.path.map(String);
  if (f.in === 'key' && steps.length > 0) steps[steps.length - 1] = '<a key holding a credential>';
  return steps.join('.');
}
