import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** Where a MAGSAG project keeps its server YAML and its state. */
export interface ProjectPaths {
  /** The project root: the folder holding `tools/adk/servers`, else the working directory. */
  root: string;
  /** The server YAML folder. */
  serversDir: string;
  /** State: caches, demo data, workspaces (`<root>/.magsag`). */
  stateDir: string;
}

/** The servers folder of a project, relative to its root. */
export const defaultServersDir = path.join('tools', 'adk', 'servers');

function findUp(start: string, relative: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Resolves the project's folders: an explicit `serversDir` wins, then `MAGSAG_SERVERS_DIR`, then the
 * nearest `tools/adk/servers` above `cwd`, then `fallbackRoot` (when it holds one).
 * `MAGSAG_STATE_DIR` moves the state folder.
 */
export function resolveProjectPaths(
  options: { cwd?: string; serversDir?: string; env?: Record<string, string | undefined>; fallbackRoot?: string } = {},
): ProjectPaths {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const fallback = options.fallbackRoot && findUp(options.fallbackRoot, defaultServersDir) === path.resolve(options.fallbackRoot) ? path.resolve(options.fallbackRoot) : undefined;
  const root = findUp(cwd, defaultServersDir) ?? fallback ?? cwd;
  const explicit = options.serversDir ?? (env['MAGSAG_SERVERS_DIR'] || undefined);
  const serversDir = explicit === undefined ? path.join(root, defaultServersDir) : path.resolve(cwd, explicit);
  const stateDir = env['MAGSAG_STATE_DIR'] ? path.resolve(cwd, env['MAGSAG_STATE_DIR']) : path.join(root, '.magsag');
  return { root, serversDir, stateDir };
}
