import { McpClient, type ToolCallMiddleware } from '@magsag/mcp-client';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunnerConfig } from '../src/index.ts';

export const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const repoRoot = path.resolve(fixturesDir, '../../../..');

/** A temporary state folder (workspaces) and runner settings pointing at the fixture modules. */
export function tempRunnerConfig(): { config: RunnerConfig; stateDir: string; cleanup: () => void } {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-runner-'));
  return {
    stateDir,
    config: { root: repoRoot, serversDir: path.join(fixturesDir, 'servers'), skillsDir: path.join(fixturesDir, 'skills'), stateDir },
    cleanup: () => rmSync(stateDir, { recursive: true, force: true }),
  };
}

/**
 * A real McpClient over the repo's demo servers (filesystem, memory, everything) plus the probe
 * server of the fixtures, configured through a temporary YAML folder.
 */
export function testClient(middleware: ToolCallMiddleware[] = []): { client: McpClient; close: () => Promise<void> } {
  const root = mkdtempSync(path.join(tmpdir(), 'magsag-runner-servers-'));
  const serversDir = path.join(root, 'servers');
  mkdirSync(serversDir);
  const node = (args: string[], extra: string[] = []): string =>
    ['transport:', '  type: stdio', '  command: node', '  args:', ...args.map((a) => `    - ${JSON.stringify(a)}`), ...extra, 'timeouts:', '  connectMs: 15000', '  callMs: 30000', ''].join('\n');
  const modules = path.join(repoRoot, 'node_modules', '@modelcontextprotocol');
  writeFileSync(path.join(serversDir, 'probe.yaml'), `id: probe\n${node([path.join(fixturesDir, 'probeServer.mjs')])}`);
  writeFileSync(path.join(serversDir, 'everything.yaml'), `id: everything\n${node([path.join(modules, 'server-everything', 'dist', 'index.js'), 'stdio'])}`);
  writeFileSync(
    path.join(serversDir, 'filesystem.yaml'),
    `id: filesystem\n${node([path.join(modules, 'server-filesystem', 'dist', 'index.js'), path.join(repoRoot, '.magsag', 'demo', 'files')])}`,
  );
  const client = new McpClient({ serversDir, cacheDir: path.join(root, 'cache'), middleware });
  return {
    client,
    close: async () => {
      await client.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
