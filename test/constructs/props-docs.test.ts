// Every construct's props are documented like cdk8s-plus's (house style 3 and 23): each field of an exported
// `…Props` interface under constructs/ has a doc comment, and each optional one says what it defaults to with
// `@default <value>` or `@default - <behaviour>`.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * `file: Interface.field: what is missing`, for every field that breaks the rule, of the exported `…Props` interfaces
 * and of the interfaces under constructs/ they extend.
 */
function undocumented(): { fields: number; problems: string[] } {
  const problems: string[] = [];
  let fields = 0;
  const interfaces = new Map<string, { node: ts.InterfaceDeclaration; source: ts.SourceFile; where: string }>();
  for (const file of sources(join(REPO, 'constructs'))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    source.forEachChild((node) => {
      if (ts.isInterfaceDeclaration(node))
        interfaces.set(node.name.text, { node, source, where: relative(REPO, file) });
    });
  }
  const checked = new Set<string>();
  const props = [...interfaces.values()].filter(
    ({ node }) =>
      node.name.text.endsWith('Props') && node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword),
  );
  for (const prop of props) {
    const queue = [prop];
    while (queue.length > 0) {
      const { node, source, where } = queue.shift()!;
      if (checked.has(node.name.text)) continue;
      checked.add(node.name.text);
      for (const clause of node.heritageClauses ?? [])
        for (const t of clause.types) {
          const base = interfaces.get(t.expression.getText(source));
          if (base) queue.push(base);
        }
      for (const member of node.members) {
        if (!ts.isPropertySignature(member)) continue;
        fields++;
        const name = `${where}: ${node.name.text}.${member.name.getText(source)}`;
        const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
        const text = docs
          .map((d) => ts.getTextOfJSDocComment(d.comment) ?? '')
          .join('')
          .trim();
        if (text === '') problems.push(`${name}: no doc comment`);
        const hasDefault = docs.some((d) => (d.tags ?? []).some((t) => t.tagName.text === 'default'));
        if (member.questionToken && !hasDefault) problems.push(`${name}: optional without @default`);
      }
    }
  }
  return { fields, problems };
}

describe('construct props', () => {
  it('document every field, and the default of every optional one', () => {
    const { fields, problems } = undocumented();
    expect(fields).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });
});
