// CONTRACT §1: index.d.ts declares the whole newest d.ts surface; the API reference's examples type-check
// against it with only their import lines changed; ported ArkTS code (examples/) type-checks unchanged
// with the types/ recipe of docs/porting-arkts.md.
import test from 'ava';
import ts from 'typescript';
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  fixtureReferencePath,
  readApiReference,
  referenceExamples,
  repoRoot,
  sharedReferencePath,
  stripHeaderComment,
  toPackageImports,
  toRunnableExample,
} from './fixtures/api-reference.mjs';

const tscPath = createRequire(import.meta.url).resolve('typescript/lib/tsc.js');
const tmp = path.join(repoRoot, '__test__', '.tmp', `types-${process.pid}`);
const examplesDir = path.join(repoRoot, 'examples');
const reference = readApiReference();
const blocks = referenceExamples(reference.text);

test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs tsc on a project; resolves to its diagnostics `{ file, line, code, message }` (file relative to dir). */
function tsc(dir) {
  return new Promise((resolve) => {
    execFile(process.execPath, [tscPath, '-p', dir, '--pretty', 'false'], { cwd: dir }, (error, stdout, stderr) => {
      const diagnostics = [];
      for (const line of stdout.split('\n')) {
        const m = /^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line);
        if (m) diagnostics.push({ file: m[1], line: Number(m[2]), code: m[3], message: m[4] });
        else if (line.startsWith(' ') && diagnostics.length > 0) diagnostics.at(-1).message += `\n${line.trim()}`;
        else if (line.trim()) diagnostics.push({ file: '', line: 0, code: '', message: line });
      }
      if (error && diagnostics.length === 0) diagnostics.push({ file: '', line: 0, code: '', message: `${error}\n${stderr}` });
      resolve(diagnostics);
    });
  });
}

/** Lazily starts a tsc run once; every test that needs it awaits the same result. */
function once(fn) {
  let result;
  return () => (result ??= fn());
}

// (a) The reference's examples, imports pointed at 'ohos-websocket', checked inside the repo (self-reference),
// together with the contract fixture below, under the strictest settings.
const referenceFile = (block) => `${String(block.index).padStart(2, '0')}-${block.slug}.ts`;
const checkReference = once(() => {
  const dir = path.join(tmp, 'reference');
  mkdirSync(dir, { recursive: true });
  for (const block of blocks) writeFileSync(path.join(dir, referenceFile(block)), toPackageImports(block.code));
  copyFileSync(new URL('./fixtures/types-contract.ts', import.meta.url), path.join(dir, 'types-contract.ts'));
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'es2022', module: 'nodenext', strict: true, noEmit: true, types: ['node'] },
      include: ['*.ts'],
    }),
  );
  return tsc(dir);
});

test(`the API reference has examples to check (${path.relative(repoRoot, reference.file)})`, (t) => {
  t.true(blocks.length >= 20, `only ${blocks.length} \`\`\`ts blocks found`);
});

for (const block of blocks) {
  test(`api-reference example ${block.index} (${block.slug}) type-checks against index.d.ts`, async (t) => {
    const diagnostics = (await checkReference()).filter((d) => d.file === referenceFile(block) || d.file === '');
    t.deepEqual(diagnostics, [], toPackageImports(block.code));
  });
}

test('index.d.ts types the contract: payloads, options, server, and rejects what it must', async (t) => {
  // types-contract.ts marks every call that must not compile with @ts-expect-error, so declarations that
  // were too loose (e.g. `any`) fail here as "Unused '@ts-expect-error' directive".
  const diagnostics = (await checkReference()).filter((d) => d.file === 'types-contract.ts');
  t.deepEqual(diagnostics, []);
});

// (b) examples/ as an application would hold them: its own package.json, ohos-websocket installed in
// node_modules (a copy of the published type files), and the tsconfig.json of docs/porting-arkts.md.
function docsTsconfig() {
  const doc = readFileSync(path.join(repoRoot, 'docs', 'porting-arkts.md'), 'utf8');
  const json = /```json\n([\s\S]*?)```/.exec(doc);
  if (!json) throw new Error('docs/porting-arkts.md has no ```json tsconfig block');
  return JSON.parse(json[1]);
}

function makeApp(name, tsconfig) {
  const dir = path.join(tmp, name);
  const pkg = path.join(dir, 'node_modules', 'ohos-websocket');
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  mkdirSync(pkg, { recursive: true });
  mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
  for (const file of ['package.json', 'index.d.ts']) copyFileSync(path.join(repoRoot, file), path.join(pkg, file));
  cpSync(path.join(repoRoot, 'types'), path.join(pkg, 'types'), { recursive: true });
  symlinkSync(path.join(repoRoot, 'node_modules', '@types', 'node'), path.join(dir, 'node_modules', '@types', 'node'), 'dir');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'arkts-app', private: true }));
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  for (const file of readdirSync(examplesDir).filter((f) => f.endsWith('.ts'))) {
    copyFileSync(path.join(examplesDir, file), path.join(dir, 'src', file));
  }
  return dir;
}

const variants = [
  ['as documented', {}],
  ['module commonjs / node10 resolution', { module: 'commonjs', moduleResolution: 'node10' }],
  ['module esnext / bundler resolution', { module: 'esnext', moduleResolution: 'bundler' }],
];
for (const [i, [label, override]] of variants.entries()) {
  test(`examples/ type-check unchanged with the docs/porting-arkts.md recipe (${label})`, async (t) => {
    const config = docsTsconfig();
    config.compilerOptions = { ...config.compilerOptions, ...override };
    t.deepEqual(config.compilerOptions.types, ['node', 'ohos-websocket/types']);
    t.deepEqual(await tsc(makeApp(`app-${i}`, config)), []);
  });
}

test('without ohos-websocket/types the ArkTS module names do not resolve (the recipe is what works)', async (t) => {
  const config = docsTsconfig();
  config.compilerOptions = { ...config.compilerOptions, types: ['node'] };
  const codes = new Set((await tsc(makeApp('app-control', config))).map((d) => d.code));
  t.true(codes.has('TS2307'), `expected "Cannot find module '@kit.NetworkKit'", got ${[...codes].join(', ')}`);
});

test('examples/ type-check with examples/tsconfig.json (inside the repo)', async (t) => {
  t.deepEqual(await tsc(examplesDir), []);
});

test('examples/ holds every example of the API reference, unchanged apart from the documented edits', (t) => {
  const expected = blocks.filter((b) => !b.importsOnly);
  const files = readdirSync(examplesDir).filter((f) => f.endsWith('.ts')).sort();
  t.deepEqual(files, expected.map((b) => `${b.slug}.ts`).sort());
  for (const block of expected) {
    const file = path.join(examplesDir, `${block.slug}.ts`);
    if (!existsSync(file)) continue;
    const source = readFileSync(file, 'utf8');
    t.regex(source, /^\/\/ From api-reference\.md: /, `${block.slug}.ts lacks its header comment`);
    t.is(stripHeaderComment(source), toRunnableExample(block.code), `${block.slug}.ts differs from the reference`);
  }
});

test('__test__/fixtures/api-reference.md is a current copy of the shared API reference', (t) => {
  if (!existsSync(sharedReferencePath)) {
    t.log(`${sharedReferencePath} not found; the tests use the fixture copy`);
    t.true(existsSync(fixtureReferencePath));
    return;
  }
  t.is(readFileSync(fixtureReferencePath, 'utf8'), readFileSync(sharedReferencePath, 'utf8'));
});

// STYLE: every exported item has a doc comment, since that is what users see in the editor.
function undocumented(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const missing = [];
  const label = (node, scope) => `${scope}${node.name ? node.name.getText() : ts.SyntaxKind[node.kind]} (line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1})`;
  const check = (node, scope) => {
    if (!node.jsDoc?.length) missing.push(label(node, scope));
  };
  const visit = (statements, scope) => {
    for (const node of statements) {
      if (ts.isExportDeclaration(node) || ts.isImportDeclaration(node)) continue; // re-exports carry the original's docs
      check(node, scope);
      const inner = `${scope}${node.name ? node.name.getText() : ''}.`;
      if (ts.isModuleDeclaration(node) && node.body && ts.isModuleBlock(node.body)) visit(node.body.statements, inner);
      if (ts.isInterfaceDeclaration(node)) for (const member of node.members) check(member, inner);
      if (ts.isEnumDeclaration(node)) for (const member of node.members) check(member, inner);
    }
  };
  visit(source.statements, '');
  return missing;
}

test('every declaration of index.d.ts has a doc comment, every overload and field included', (t) => {
  t.deepEqual(undocumented(path.join(repoRoot, 'index.d.ts')), []);
});

test('every module of types/index.d.ts has a doc comment', (t) => {
  t.deepEqual(undocumented(path.join(repoRoot, 'types', 'index.d.ts')), []);
});
