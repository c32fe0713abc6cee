#!/usr/bin/env node
// Lists the exported values (functions, classes, constants) of constructs/, values/, src/ and bench/ that no other module imports (tests and scripts count as
// importers). Exit 1 when there is one: un-export it, or delete it. Reads the sources with TypeScript's parser, so
// `export { a as b }`, `export *` and `import('…')` types are understood.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const checked = ['constructs', 'values', 'src', 'bench'];
const importers = [...checked, 'test', 'scripts', 'bin'];
const files = importers.flatMap((d) =>
  readdirSync(join(root, d), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mjs|js)$/.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)).split('\\').join('/')),
);

/** `from` resolved against `file` to a repository path (`.js` → `.ts`), or undefined for a package. */
function resolveSpecifier(file, spec) {
  if (!spec.startsWith('.')) return undefined;
  return join(dirname(file), spec).split('\\').join('/').replace(/\.js$/, '.ts');
}

const exported = new Map(); // file -> Set(name)
const used = new Map(); // file -> Set(name) ('*' = everything)
const use = (file, name) => (used.get(file) ?? used.set(file, new Set()).get(file)).add(name);

for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const own = new Set();
  const visit = (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      const spec = node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : '';
      const target = resolveSpecifier(file, spec);
      if (target) {
        const clause = ts.isImportDeclaration(node) ? node.importClause : undefined;
        if (ts.isExportDeclaration(node)) {
          if (!node.exportClause) use(target, '*');
          else if (ts.isNamedExports(node.exportClause))
            for (const e of node.exportClause.elements) use(target, (e.propertyName ?? e.name).text);
        } else if (clause) {
          if (clause.name) use(target, 'default');
          const b = clause.namedBindings;
          if (b && ts.isNamespaceImport(b)) use(target, '*');
          if (b && ts.isNamedImports(b)) for (const e of b.elements) use(target, (e.propertyName ?? e.name).text);
        }
      }
    }
    // import('…') calls and types: `const { a } = await import('./x.js')`, `import('./x.js').T`
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      const target = arg && ts.isStringLiteral(arg) ? resolveSpecifier(file, arg.text) : undefined;
      if (target) {
        const parent = node.parent && ts.isAwaitExpression(node.parent) ? node.parent.parent : node.parent;
        if (parent && ts.isVariableDeclaration(parent) && ts.isObjectBindingPattern(parent.name))
          for (const e of parent.name.elements) use(target, (e.propertyName ?? e.name).getText(sf));
        else use(target, '*');
      }
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      const target = resolveSpecifier(file, node.argument.literal.text);
      if (target) use(target, node.qualifier ? node.qualifier.getText(sf).split('.')[0] : '*');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (!checked.some((d) => file.startsWith(`${d}/`)) || !file.endsWith('.ts')) continue;
  for (const st of sf.statements) {
    const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined;
    if (!mods?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    // Interfaces and type aliases are left out: they document the signatures of the exported values (a construct's
    // props, a function's result), which callers may name without importing them.
    if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) continue;
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) own.add(d.name.getText(sf));
    else if (st.name) own.add(st.name.text);
  }
  exported.set(file, own);
}

// Entry points: what runs without being imported by a module here.
const ENTRIES = new Set(['src/cli/main.ts', 'bench/bench.ts']);
const unused = [];
for (const [file, names] of exported) {
  if (ENTRIES.has(file)) continue;
  const u = used.get(file) ?? new Set();
  if (u.has('*')) continue;
  for (const name of names) if (!u.has(name)) unused.push(`${file}: ${name}`);
}
if (unused.length > 0) {
  process.stderr.write(
    `exports no module imports (${unused.length}); un-export or delete them:\n  ${unused.join('\n  ')}\n`,
  );
  process.exit(1);
}
process.stdout.write(`unused exports: none (${[...exported.values()].reduce((n, s) => n + s.size, 0)} exports)\n`);
