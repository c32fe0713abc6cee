/**
 * `schema`: the JSON Schema of environment files, so editors complete and check keys
 * (`# yaml-language-server: $schema=../values/environment.schema.json`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { environmentSchema } from '../../values/environment.js';
import { UserError } from '../load/problems.js';
import { DIFFERENCES_FILE, upstreamDifferencesDoc } from '../upstream/differences-doc.js';
import type { Output } from './context.js';
import { valuesReference } from './reference.js';

/** Where the values reference is written, beside the schema. */
const REFERENCE_FILE = 'values/REFERENCE.md';

/** The JSON Schema text, deterministic. */
export function environmentJsonSchema(): string {
  const schema = z.toJSONSchema(environmentSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    reused: 'ref',
  }) as Record<string, unknown>;
  // One schema for environments and layers alike (an editor applies the file's `$schema` line): a layer
  // (`_rucio.yaml`) has no `name`, and an environment may take its `namespace` from the layer it extends. Whether the
  // merged environment has them is checked by the loader, with the file and line; every key stays checked here.
  const required = Array.isArray(schema.required)
    ? (schema.required as string[]).filter((k) => k !== 'name' && k !== 'namespace')
    : [];
  const out = {
    $schema: schema.$schema,
    $id: 'https://example.org/rucio-gitops/environment.schema.json',
    title: 'rucio-gitops environment',
    description:
      'One cluster of a Rucio instance: its server and daemons releases (rucio-server / rucio-daemons chart 40 values) and the components around them. ' +
      'Also the schema of a shared layer (a file whose name starts with _), so name and namespace are not required here: the merged environment must have both.',
    ...Object.fromEntries(
      Object.entries(schema)
        .filter(([k]) => k !== '$schema' && (k !== 'required' || required.length > 0))
        .map(([k, v]) => [k, k === 'required' ? required : v]),
    ),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** Writes (or, with check, compares) the schema file, the values reference beside it and docs/upstream-differences.md. */
export async function writeSchema(file: string, check: boolean, ctx: Pick<Output, 'stdout'>): Promise<number> {
  const outputs: [string, string][] = [
    [file, environmentJsonSchema()],
    [REFERENCE_FILE, valuesReference()],
    [DIFFERENCES_FILE, upstreamDifferencesDoc()],
  ];
  for (const [path, text] of outputs) {
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (check) {
      if (current !== text) throw new UserError(`${path} is stale: run 'rucio-gitops schema' and commit it`);
      ctx.stdout(`${path} is up to date\n`);
      continue;
    }
    if (current !== text) writeFileSync(path, text);
    ctx.stdout(`${current === text ? 'unchanged' : 'wrote'} ${path}\n`);
  }
  return 0;
}
