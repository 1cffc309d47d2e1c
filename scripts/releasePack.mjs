// `pnpm release:pack`: builds and packs every public package into dist-packages/, in dependency
// order so each package's `prepack` build finds its dependencies' dist/ (one build per package).
// Then checks each packed package.json: real versions only, no `workspace:` left for npm to choke on.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist-packages');
// packages/<name>, and packages/isolated-vm/node<major> (kept out of the workspace; see pnpm-workspace.yaml).
const dirs = readdirSync(path.join(root, 'packages'))
  .map((name) => path.join(root, 'packages', name))
  .flatMap((dir) => (existsSync(path.join(dir, 'package.json')) ? [dir] : readdirSync(dir).map((name) => path.join(dir, name))))
  .filter((dir) => existsSync(path.join(dir, 'package.json')));
const manifests = new Map(
  dirs
    .map((dir) => [dir, JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))])
    .filter(([, manifest]) => manifest.private !== true),
);
const byName = new Map([...manifests].map(([dir, manifest]) => [manifest.name, dir]));

const order = [];
const visit = (dir) => {
  if (order.includes(dir)) return;
  const manifest = manifests.get(dir);
  for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
    if (byName.has(dep)) visit(byName.get(dep));
  }
  order.push(dir);
};
for (const dir of [...manifests.keys()].sort()) visit(dir);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const started = Date.now();
for (const dir of order) {
  execFileSync('pnpm', ['pack', '--silent', '--pack-destination', out], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}

const tarballs = readdirSync(out).filter((file) => file.endsWith('.tgz'));
const problems = [];
for (const file of tarballs) {
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', path.join(out, file), 'package/package.json'], { encoding: 'utf8' }));
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`${file}: ${field}.${dep} is still "${range}"`);
    }
  }
}
for (const file of tarballs) console.log(path.join('dist-packages', file));
console.log(`release:pack: ${tarballs.length} packages in ${Math.round((Date.now() - started) / 1000)} s`);
if (problems.length > 0) {
  console.error(`release:pack: packed manifests still name workspace versions:\n${problems.join('\n')}`);
  process.exitCode = 1;
}
