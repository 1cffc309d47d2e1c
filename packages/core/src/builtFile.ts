import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when every source file of the package at `pkg` has a built `.js` in its `dist` at least as new. */
function builtIsFresh(pkg: string): boolean {
  try {
    return readdirSync(path.join(pkg, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((rel) => rel.endsWith('.ts') && !rel.endsWith('.d.ts'))
      .every((rel) => statSync(path.join(pkg, 'dist', rel.replace(/\.ts$/, '.js'))).mtimeMs >= statSync(path.join(pkg, 'src', rel)).mtimeMs);
  } catch {
    return false;
  }
}

// Per package folder: whether it and @magsag/core have a complete, fresh build.
const fresh = new Map<string, boolean>();

/**
 * The built JavaScript of a helper entry `<name>.js` (a module another process or thread runs)
 * that sits beside the module at `moduleUrl`: in that folder when the module runs built; when it
 * runs from its TypeScript sources (`<pkg>/src/<dir>/`, tests and `pnpm magsag` in this
 * repository), in `<pkg>/dist/<dir>/`, used only when that package and `@magsag/core` (helpers
 * import nothing else of ours) are built and no older than their sources, so a test never runs a
 * stale build; else `null`.
 */
export function builtEntryFile(moduleUrl: string, name: string): string | null {
  const dir = path.dirname(fileURLToPath(moduleUrl));
  if (!moduleUrl.endsWith('.ts')) return path.join(dir, `${name}.js`);
  const parts = dir.split(path.sep);
  const src = parts.lastIndexOf('src');
  if (src < 0) return null;
  const pkg = parts.slice(0, src).join(path.sep);
  let ok = fresh.get(pkg);
  if (ok === undefined) {
    ok = builtIsFresh(pkg) && builtIsFresh(path.resolve(pkg, '..', 'core'));
    fresh.set(pkg, ok);
  }
  return ok ? path.join(pkg, 'dist', ...parts.slice(src + 1), `${name}.js`) : null;
}
