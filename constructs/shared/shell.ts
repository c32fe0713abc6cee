/**
 * Shell quoting for `RUCIO_DAEMON_ARGS`, which the daemon image runs through `eval`.
 */

/** Quotes one word so that `eval` gives it back unchanged, whatever it holds (`&`, `|`, `\`, `=`, quotes, spaces). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Splits the chart's single-string form of a name list (`"'User Subscriptions' 'Express'"`) into names, as the
 * shell would.
 */
export function splitNames(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) names.push(m[1] ?? m[2] ?? m[3]!);
  return names;
}
