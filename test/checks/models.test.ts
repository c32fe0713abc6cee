/**
 * Every kind synth writes has its model in BUNDLED_MODELS, so the bundled command validates the objects without
 * loading model modules from node_modules at run time (a kind left out still validates, only slower: this test keeps
 * the start-up cost from coming back when a construct starts writing a new kind).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MODELS } from '../../src/checks/models.js';
import { modelModule } from '../../src/checks/schema.js';
import { REPO } from '../helpers.js';

describe('bundled models', () => {
  it('cover every kind in dist/', () => {
    const dist = join(REPO, 'dist');
    const kinds = new Set<string>();
    for (const e of readdirSync(dist, { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || !e.name.endsWith('.k8s.yaml')) continue;
      const o = parse(readFileSync(join(e.parentPath, e.name), 'utf8')) as { apiVersion: string; kind: string };
      kinds.add(`${o.apiVersion} ${o.kind}`);
    }
    expect(kinds.size).toBeGreaterThan(10);
    const missing = [...kinds].filter((k) => {
      const [apiVersion, kind] = k.split(' ') as [string, string];
      const spec = modelModule(apiVersion, kind);
      return spec === undefined || !(spec in BUNDLED_MODELS);
    });
    expect(missing).toEqual([]);
  });
});
