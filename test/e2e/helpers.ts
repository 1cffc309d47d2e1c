import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { untilListening } from '../support/listening.ts';
import { pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
// tsx by absolute URL: `--import tsx` would resolve against the working directory.
const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
// tsx also reads the tsconfig.json of the working directory (its `paths` would remap the CLI's own
// imports in a user's project); the CLI from source always compiles with the repository's.
process.env['TSX_TSCONFIG_PATH'] ??= path.join(repoRoot, 'tsconfig.json');

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
      timeout: 180_000,
    },
  );
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe', version: '1.0.0' } },
});

/** Starts `magsag serve --http 0` with extra arguments and resolves its URL once it listens. */
export async function startServe(extra: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: URL; stderr: () => string }> {
  const [command, ...args] = cliArgs(['serve', '--http', '0', ...extra]);
  const child = spawn(command!, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MAGSAG_SERVE_TOKEN: '', MAGSAG_SERVE_TOKENS: '', ...env } });
  const { url, stderr } = await untilListening(child);
  return { child, url, stderr };
}

/** One raw HTTP request, so that Host and Origin can be set to anything. */
export function rawPost(url: URL, headers: Record<string, string>, body = initialize): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}


/** Every path under `dir`, for before/after comparisons. */
export function snapshotTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      out.push(path.relative(dir, full));
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out.sort();
}

