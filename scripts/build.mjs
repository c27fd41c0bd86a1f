// Transpiles src/**/*.ts to dist/ (same layout, ESM, Node 20) and copies any other file under src/ the code
// might read at run time (Markdown excepted). No bundling: modules that locate siblings through
// import.meta.url keep working. bin/drydock.js runs dist/ when it is newer than every source file.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(repo, 'src');
const dist = join(repo, 'dist');

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

const files = walk(src);
const sources = files.filter((f) => f.endsWith('.ts'));
rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: sources,
  outdir: dist,
  outbase: src,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
for (const file of files.filter((f) => !f.endsWith('.ts') && !f.endsWith('.md'))) {
  const target = join(dist, relative(src, file));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
  const { mode } = statSync(file);
  if (mode & 0o111) cpSync(file, target);
}
writeFileSync(join(dist, '.built'), `${new Date().toISOString()}\n`);
console.log(`build: ${sources.length} modules → dist/`);
