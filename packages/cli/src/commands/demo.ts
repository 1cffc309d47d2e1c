import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { MagsagError } from '@magsag/core';
import type { ProjectPaths } from '@magsag/mcp-client';

/** What `magsag demo reset` did. */
export interface DemoResetResult {
  demoDir: string;
  seededFrom: string;
  entries: string[];
}

/**
 * Recreates `.magsag/demo/` from the committed seed in `tools/adk/demo-data/`, so demos and tests
 * always start from the same state and never change tracked files.
 */
export function resetDemo(paths: ProjectPaths): DemoResetResult {
  const seed = path.join(paths.root, 'tools', 'adk', 'demo-data');
  if (!existsSync(seed)) {
    throw new MagsagError('CONFIG_NOT_FOUND', `No demo seed at ${seed}: this project has no demo data (only the MAGSAG repository ships it). Nothing to reset.`, {
      data: { dir: seed },
    });
  }
  const demoDir = path.join(paths.stateDir, 'demo');
  rmSync(demoDir, { recursive: true, force: true });
  mkdirSync(demoDir, { recursive: true, mode: 0o700 });
  cpSync(seed, demoDir, { recursive: true });
  // The postgres demo server's database folder has no seed (its wrapper starts the database there
  // on first use), but the server YAML names it: without it `magsag doctor` fails right after a reset.
  mkdirSync(path.join(demoDir, 'postgres'), { recursive: true });
  // The state folder is this user's alone, the demo data included (the demo servers run as the user).
  for (const entry of readdirSync(demoDir, { withFileTypes: true, recursive: true })) {
    chmodSync(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o700 : 0o600);
  }
  chmodSync(paths.stateDir, 0o700);
  return { demoDir, seededFrom: seed, entries: readdirSync(demoDir).sort() };
}
