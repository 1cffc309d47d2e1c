import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
// tsx by absolute URL: `--import tsx` would resolve against the working directory.
const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

/** The command line that runs the `magsag` CLI from source, for spawning it yourself. */
export function cliArgs(args: string[]): string[] {
  return [process.execPath, '--no-node-snapshot', '--conditions=magsag-source', '--import', tsx, path.join(repoRoot, 'packages/cli/src/bin.ts'), ...args];
}

/** Runs the `magsag` CLI from source the way `pnpm magsag` does, and captures everything. */
export function magsag(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): { status: number; stdout: string; stderr: string } {
  const [command, ...rest] = cliArgs(args);
  const result = spawnSync(
    command!,
    rest,
    {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      encoding: 'utf8',
      input: options.input ?? '',
      timeout: 60_000,
    },
  );
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
