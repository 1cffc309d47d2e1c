import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** True when every source file of the package at `pkg` has a built `.js` in its `dist` at least as new. */
export function builtIsFresh(pkg: string): boolean {
  try {
    return readdirSync(path.join(pkg, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((rel) => rel.endsWith('.ts') && !rel.endsWith('.d.ts'))
      .every((rel) => statSync(path.join(pkg, 'dist', rel.replace(/\.ts$/, '.js'))).mtimeMs >= statSync(path.join(pkg, 'src', rel)).mtimeMs);
  } catch {
    return false;
  }
}
