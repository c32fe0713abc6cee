// The project's import graph, read from the sources (static imports, `import type`, re-exports and dynamic
// `import()` alike): no circles anywhere, and every arrow runs down the layers the README's Layout section names:
// CLI → pipeline → plan / render / checks → constructs → values.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

/** Layers, highest first: a module may import its own layer's modules (without a circle) and any lower layer's. */
const LAYERS: ReadonlyArray<readonly [string, (path: string) => boolean]> = [
  ['cli', (p) => p.startsWith('src/cli/')],
  [
    'pipeline',
    (p) =>
      p === 'src/pipeline.ts' ||
      p.startsWith('src/review/') ||
      p.startsWith('src/promote/') ||
      p.startsWith('src/init/'),
  ],
  ['plan/render/checks', (p) => /^src\/(plan|synth|checks|upstream|import|prerequisites)\//.test(p)],
  [
    'load',
    (p) =>
      p.startsWith('src/load/') ||
      p.startsWith('src/secrets/') ||
      p.startsWith('src/git/') ||
      p === 'src/module-host.ts' ||
      p === 'src/timings.ts',
  ],
  ['constructs', (p) => p.startsWith('constructs/')],
  ['values', (p) => p.startsWith('values/')],
];

function layerOf(path: string): number {
  const i = LAYERS.findIndex(([, test]) => test(path));
  if (i < 0) throw new Error(`${path} is in no layer: add it to LAYERS and to the README's Layout section`);
  return i;
}

function sources(dir: string): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(REPO, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

/** Each module's imports of the project's own modules (repository-relative `.ts` paths). */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of ['src', 'constructs', 'values'].flatMap(sources)) {
    const info = ts.preProcessFile(readFileSync(join(REPO, file), 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((s) => s.startsWith('.'))
      .map((s) => join(dirname(file), s).replace(/\.js$/, '.ts').split('\\').join('/'));
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/** The circles of a graph (each as the path of modules around it), found by depth-first search. */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe('architecture', () => {
  const graph = importGraph();

  it('reads the whole project and every import resolves to a source file', () => {
    expect(graph.size).toBeGreaterThan(60);
    const missing = [...graph].flatMap(([from, to]) => to.filter((t) => !graph.has(t)).map((t) => `${from} → ${t}`));
    expect(missing).toEqual([]);
  });

  it('has no import circles', () => {
    expect(circles(graph).map((c) => c.join(' → '))).toEqual([]);
  });

  it('finds a circle when there is one (the check itself works)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(circles(g)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('imports only downwards: CLI → pipeline → plan/render/checks → load → constructs → values', () => {
    const upward = [...graph].flatMap(([from, to]) =>
      to
        .filter((t) => layerOf(t) < layerOf(from))
        .map((t) => `${from} (${LAYERS[layerOf(from)]![0]}) → ${t} (${LAYERS[layerOf(t)]![0]})`),
    );
    expect(upward).toEqual([]);
  });

  it('keeps the constructs free of the environment: no construct imports src/', () => {
    const wrong = [...graph]
      .filter(([from]) => from.startsWith('constructs/'))
      .flatMap(([from, to]) => to.filter((t) => t.startsWith('src/')).map((t) => `${from} → ${t}`));
    expect(wrong).toEqual([]);
  });
});
