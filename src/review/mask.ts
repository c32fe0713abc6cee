/**
 * Masks secret-looking values before anything is printed: Secret data, keys and env vars whose names say password,
 * token, secret, credential or key, and the password of a URL with credentials. References to Secrets
 * (`secretKeyRef`, `secretName`, …) are not secret and stay readable.
 */

/** A step of a path: a map key, a list index, or the name of a named list item. */
export type Step = { readonly key: string } | { readonly index: number } | { readonly item: string };

const MASK = '<masked>';
const MASK_CHANGED = '<masked, changed>';

const SECRET_NAME =
  /(passw(or)?d|secret|token|credential|private[-_]?key|api[-_]?key|access[-_]?key|secret[-_]?key|(^|[-_])key$)/i;
const REFERENCE_NAME = /(name|ref|path|file|dir|mount|kind|type)$/i;
const REFERENCE_KEYS = new Set([
  'valueFrom',
  'secretKeyRef',
  'secretRef',
  'secret',
  'envFrom',
  'imagePullSecrets',
  'configMapKeyRef',
  'labels',
  'selector',
  'matchLabels',
]);

function secretName(name: string): boolean {
  return SECRET_NAME.test(name) && !REFERENCE_NAME.test(name);
}

/** Whether the value at `path` in an object of `kind` is secret-looking. */
function isSecretPath(kind: string, path: readonly Step[]): boolean {
  const first = path[0];
  if (kind === 'Secret' && first && 'key' in first && (first.key === 'data' || first.key === 'stringData')) return true;
  if (path.some((s) => 'key' in s && REFERENCE_KEYS.has(s.key))) return false;
  const last = path[path.length - 1];
  if (last && 'key' in last && secretName(last.key)) return true;
  // `env[NAME].value`
  const parent = path[path.length - 2];
  return !!last && 'key' in last && last.key === 'value' && !!parent && 'item' in parent && secretName(parent.item);
}

/** A URL's password replaced: `scheme://user:****@host`. */
export function maskUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1****@`);
}

/** Is `v` a list whose items are maps with distinct string names (containers, env, volumes, ports…)? */
export function isNamedList(v: unknown): v is Array<Record<string, unknown> & { name: string }> {
  if (!Array.isArray(v) || v.length === 0) return false;
  const names = new Set<string>();
  for (const item of v) {
    if (
      item === null ||
      typeof item !== 'object' ||
      Array.isArray(item) ||
      typeof (item as { name?: unknown }).name !== 'string'
    )
      return false;
    names.add((item as { name: string }).name);
  }
  return names.size === v.length;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Masks two versions of one object together, so a changed secret shows as changed without showing either value.
 * Either side may be undefined (an added or removed object).
 */
export function maskPair(kind: string, before: unknown, after: unknown): [unknown, unknown] {
  const walk = (a: unknown, b: unknown, path: Step[]): [unknown, unknown] => {
    const leaf = (v: unknown) => v === undefined || typeof v === 'string' || typeof v === 'number';
    if (isSecretPath(kind, path) && (a !== undefined || b !== undefined) && leaf(a) && leaf(b)) {
      return [
        a === undefined ? undefined : MASK,
        b === undefined ? undefined : a !== undefined && !same(a, b) ? MASK_CHANGED : MASK,
      ];
    }
    if (isMap(a) || isMap(b)) {
      const ma = isMap(a) ? a : undefined;
      const mb = isMap(b) ? b : undefined;
      const oa: Record<string, unknown> | undefined = ma ? {} : undefined;
      const ob: Record<string, unknown> | undefined = mb ? {} : undefined;
      for (const k of new Set([...Object.keys(ma ?? {}), ...Object.keys(mb ?? {})])) {
        const [x, y] = walk(ma?.[k], mb?.[k], [...path, { key: k }]);
        if (oa && ma && k in ma) oa[k] = x;
        if (ob && mb && k in mb) ob[k] = y;
      }
      return [ma ? oa : walk(a, undefined, path)[0], mb ? ob : walk(undefined, b, path)[1]];
    }
    if (Array.isArray(a) || Array.isArray(b)) {
      const la = Array.isArray(a) ? a : undefined;
      const lb = Array.isArray(b) ? b : undefined;
      const named = (!la || la.length === 0 || isNamedList(la)) && (!lb || lb.length === 0 || isNamedList(lb));
      if (named) {
        const byName = (l: unknown[] | undefined) => new Map((l ?? []).map((i) => [(i as { name: string }).name, i]));
        const na = byName(la);
        const nb = byName(lb);
        return [
          la?.map(
            (i) => walk(i, nb.get((i as { name: string }).name), [...path, { item: (i as { name: string }).name }])[0],
          ),
          lb?.map(
            (i) => walk(na.get((i as { name: string }).name), i, [...path, { item: (i as { name: string }).name }])[1],
          ),
        ];
      }
      return [
        la?.map((i, n) => walk(i, lb?.[n], [...path, { index: n }])[0]),
        lb?.map((i, n) => walk(la?.[n], i, [...path, { index: n }])[1]),
      ];
    }
    return [typeof a === 'string' ? maskUrlCredentials(a) : a, typeof b === 'string' ? maskUrlCredentials(b) : b];
  };
  return walk(before, after, []);
}
