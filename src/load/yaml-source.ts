/**
 * Reads one YAML file into plain data plus the line of every key, so that errors can point at the line to edit.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit, type Node } from 'yaml';
import { Problem } from './problems.js';

/** Environment files larger than this are refused: no real one comes near it. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Aliases a file may expand; a handful is plenty for a values file, a "billion laughs" needs thousands. */
const MAX_ALIAS_COUNT = 100;

/** Nesting deeper than this is refused before parsing: real files nest about 8 levels, and the YAML parser runs out of memory on thousands. */
export const MAX_NESTING = 64;

/** Brackets open at once, counted without regard to quotes (see `rawNestingProblem`). */
const MAX_RAW_BRACKETS = 1000;

/** Indentation wider than this is refused before parsing (block nesting, which the flow limit does not see). */
const MAX_INDENT = 256;

/**
 * Finds nesting too deep to parse safely, in one pass over the text: flow collections (`[`, `{`) outside quoted
 * scalars, comments and block scalars, and the indentation of lines. Returns the 1-based line and what is wrong.
 */
export function nestingProblem(text: string): { line: number; message: string } | undefined {
  return flowNestingProblem(text) ?? rawNestingProblem(text);
}

/**
 * A backstop that no quoting can fool: brackets counted anywhere, quoted or not. No real file comes near the limit;
 * garbage that makes the precise scan misread a quote is still caught before the parser sees thousands of levels.
 */
function rawNestingProblem(text: string): { line: number; message: string } | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_RAW_BRACKETS) {
        let line = 1;
        for (let j = 0; j < i; j++) if (text.charCodeAt(j) === 0x0a) line++;
        return {
          line,
          message: `more than ${MAX_RAW_BRACKETS} brackets open at once: nesting this deep is not an environment file`,
        };
      }
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return undefined;
}

function flowNestingProblem(text: string): { line: number; message: string } | undefined {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  let blockIndent = -1; // inside a block scalar: the indentation of its parent line
  let prev = ''; // the last significant character on the line (or '' at its start)
  let inline = 0; // block sequence or mapping-key indicators on this line
  for (let i = 0; i < text.length; i++) {
    let c = text[i]!;
    if (i === lineStart) {
      let j = i;
      while (text[j] === ' ') j++;
      const indent = j - i;
      const blank = text[j] === '\n' || text[j] === '\r' || j >= text.length;
      if (blockIndent >= 0 && (blank || indent > blockIndent)) {
        const end = text.indexOf('\n', j);
        if (end < 0) return undefined;
        i = end;
        line++;
        lineStart = end + 1;
        continue;
      }
      blockIndent = -1;
      if (indent > MAX_INDENT)
        return {
          line,
          message: `lines indented by more than ${MAX_INDENT} spaces: nesting this deep is not an environment file`,
        };
      i = j;
      c = text[i] ?? '';
      prev = '';
      inline = 0;
    }
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (c === '#' && (prev === '' || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      const end = text.indexOf('\n', i);
      if (end < 0) return undefined;
      i = end - 1;
      continue;
    }
    const scalarStart =
      prev === '' || prev === ':' || prev === '-' || prev === '[' || prev === '{' || prev === ',' || prev === '?';
    if ((c === "'" || c === '"') && scalarStart) {
      for (i++; i < text.length; i++) {
        const q = text[i]!;
        if (q === '\n') {
          line++;
          lineStart = i + 1;
        } else if (c === '"' && q === '\\') i++;
        else if (q === c) {
          if (c === "'" && text[i + 1] === "'") i++;
          else break;
        }
      }
      prev = 'x';
      continue;
    }
    const next = text[i + 1];
    const spaceAfter = next === undefined || next === ' ' || next === '\t' || next === '\n' || next === '\r';
    prev = 'x'; // part of a plain scalar, unless an indicator below
    if ((c === '[' || c === '{') && (depth > 0 || scalarStart)) {
      depth++;
      prev = c;
      if (depth > MAX_NESTING)
        return {
          line,
          message: `collections nested more than ${MAX_NESTING} levels deep: nesting this deep is not an environment file`,
        };
    } else if ((c === ']' || c === '}') && depth > 0) {
      depth--;
      prev = c;
    } else if (c === ':' && (spaceAfter || (depth > 0 && (next === ',' || next === ']' || next === '}')))) prev = ':';
    else if ((c === '-' || c === '?') && scalarStart && spaceAfter) {
      prev = c;
      // `- - - a` nests a block sequence per indicator on one line, which no indentation shows
      if (depth === 0 && ++inline > MAX_NESTING)
        return {
          line,
          message: `block collections nested more than ${MAX_NESTING} levels deep on one line: nesting this deep is not an environment file`,
        };
    } else if (c === ',' && depth > 0) prev = ',';
    else if (
      (c === '|' || c === '>') &&
      depth === 0 &&
      scalarStart &&
      /^[|>][-+0-9]*[ \t]*(#[^\n]*)?(\r?\n|$)/.test(text.slice(i, i + 40))
    ) {
      let k = lineStart;
      while (text[k] === ' ') k++;
      blockIndent = k - lineStart;
    }
  }
  return undefined;
}

/** A path inside a document. */
export type Path = readonly (string | number)[];

/** A key for a path in maps. */
export function pathKey(path: Path): string {
  return path.join('\u0000');
}

/** One parsed YAML file. */
export interface YamlSource {
  /** The file as given (relative to the working directory when it is below it). */
  readonly file: string;
  readonly data: unknown;
  /** pathKey → 1-based line of the key (or list item). */
  readonly lines: ReadonlyMap<string, number>;
  /** The text as read (for the credential scan of comments and raw text). */
  readonly text?: string;
}

/**
 * Parses YAML text. Syntax errors, duplicate keys, non-string keys, several documents and alias bombs are problems,
 * all of them reported at once.
 */
export function parseYaml(file: string, text: string): { source?: YamlSource; problems: Problem[] } {
  const deep = nestingProblem(text);
  if (deep) return { problems: [new Problem(file, deep.line, '', `invalid YAML: ${deep.message}`)] };
  const lineCounter = new LineCounter();
  // Duplicate keys are found below, in one pass: the parser's own check compares every pair of keys of a map, which
  // takes minutes on a map of a few hundred thousand keys.
  const docs = parseAllDocuments(text, {
    lineCounter,
    uniqueKeys: false,
    prettyErrors: false,
    strict: true,
    version: '1.2',
  });
  if (!Array.isArray(docs)) return { source: { file, data: {}, lines: new Map() }, problems: [] };
  const problems: Problem[] = [];
  if (docs.length > 1) {
    const line = docs[1]?.range ? lineCounter.linePos(docs[1].range[0]).line : undefined;
    problems.push(
      new Problem(file, line, '', 'expected one YAML document, found several: keep one environment per file'),
    );
  }
  const doc = docs[0];
  if (doc === undefined) return { source: { file, data: {}, lines: new Map() }, problems };
  for (const e of doc.errors) {
    const line = e.linePos?.[0]?.line ?? (e.pos ? lineCounter.linePos(e.pos[0]).line : undefined);
    const what =
      e.code === 'DUPLICATE_KEY'
        ? 'a key appears twice in the same map: keep one'
        : /maximum call stack/i.test(e.message)
          ? 'nesting too deep to parse: this is not an environment file'
          : e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    problems.push(new Problem(file, line, '', `invalid YAML: ${what}`));
  }
  if (problems.length > 0) return { problems };
  const lines = new Map<string, number>();
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        if (
          !isScalar(key) ||
          (typeof key.value !== 'string' && typeof key.value !== 'number' && typeof key.value !== 'boolean')
        ) {
          problems.push(
            new Problem(
              file,
              lineOf(key as Node),
              path.join('.'),
              'expected a plain key: maps with complex keys are not allowed',
            ),
          );
          continue;
        }
        const line = lineOf(key);
        if (seen.has(String(key.value))) {
          problems.push(new Problem(file, line, '', 'invalid YAML: a key appears twice in the same map: keep one'));
          continue;
        }
        seen.add(String(key.value));
        const child = [...path, String(key.value)];
        if (line !== undefined) lines.set(pathKey(child), line);
        walk(pair.value, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const child = [...path, i];
        const line = lineOf(item as Node);
        if (line !== undefined) lines.set(pathKey(child), line);
        walk(item, child);
      });
    }
  };
  walk(doc.contents, []);
  if (problems.length > 0) return { problems };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const what = /excessive alias/i.test(message)
      ? `too many YAML aliases (more than ${MAX_ALIAS_COUNT} expansions): write the values out`
      : /unresolved alias/i.test(message)
        ? `${message.replace(/^Unresolved alias/, 'an alias refers to no anchor')}: define the anchor (&name) before the alias`
        : /maximum call stack/i.test(message)
          ? 'nesting too deep to read: this is not an environment file'
          : message;
    // An unresolved alias: point at the first alias of that name.
    let line: number | undefined;
    const alias = /unresolved alias[^:]*: (.*)$/i.exec(message)?.[1];
    if (alias !== undefined) {
      visit(doc, {
        Alias(_, node) {
          if (node.source !== alias || line !== undefined) return undefined;
          line = lineOf(node);
          return visit.BREAK;
        },
      });
    }
    return { problems: [new Problem(file, line, '', `invalid YAML: ${what}`)] };
  }
  return { source: { file, data: data ?? {}, lines, text }, problems };
}
