// Bundles the page (web/) into dist/web/: app.js (CodeMirror, marked, the charts), app.css and
// index.html. Run by the package's build; `magsag ui` serves these files and nothing from a CDN.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist', 'web');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [path.join(root, 'web', 'main.ts')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css']) copyFileSync(path.join(root, 'web', file), path.join(out, file));
