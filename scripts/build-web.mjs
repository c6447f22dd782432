#!/usr/bin/env node
// Builds the dashboard (web/) into web/dist with esbuild: one hashed JS and CSS
// bundle, an index.html that names them, and gzip/brotli copies served as is.
//   node scripts/build-web.mjs             build now
//   node scripts/build-web.mjs --if-stale  build only if dist is missing or older than the sources
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');
const dist = join(web, 'dist');
const stamp = join(dist, 'index.html');

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).filter((n) => n !== 'dist').map((n) => newestMtime(join(path, n))));
}

/** True when web/dist is missing or any source (or the installed packages) changed after it was built. */
export function webIsStale() {
  let built;
  try {
    built = statSync(stamp).mtimeMs;
  } catch {
    return true;
  }
  return Math.max(newestMtime(web), statSync(join(root, 'package-lock.json')).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs) > built;
}

export async function buildWeb() {
  const { build } = await import('esbuild');
  rmSync(dist, { recursive: true, force: true });
  const result = await build({
    entryPoints: [join(web, 'src/main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: 'assets/[name]-[hash]',
    outdir: dist,
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = outputs.find((n) => n.endsWith('.js'));
  const css = outputs.find((n) => n.endsWith('.css'));
  const html = readFileSync(join(web, 'index.html'), 'utf8')
    .replace('<!--styles-->', css ? `<link rel="stylesheet" href="/assets/${css}">` : '')
    .replace('<!--script-->', `<script type="module" src="/assets/${js}"></script>`);
  mkdirSync(dist, { recursive: true });
  writeFileSync(stamp, html);
  for (const file of [stamp, ...outputs.map((n) => join(dist, 'assets', n))]) {
    const content = readFileSync(file);
    writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
    writeFileSync(`${file}.br`, brotliCompressSync(content));
  }
  return outputs.map((n) => `assets/${n}`).concat('index.html');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale') && !webIsStale()) process.exit(0);
  const files = await buildWeb();
  console.error(`[build-web] web/dist: ${files.join(', ')}`);
}
