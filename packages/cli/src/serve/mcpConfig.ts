import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MagsagError } from '@magsag/core';
import { importMcpServers, mcpConfigFolder, type ProjectPaths } from '@magsag/mcp-client/config';

/** What {@link prepareMcpConfig} did: the folders to serve from, and whether it had to start the servers. */
export interface PreparedMcpConfig {
  paths: ProjectPaths;
  /** The cache folder under the state folder. */
  cacheDir: string;
  /** True when the servers were started to snapshot their tools (first start, a changed file, `--refresh`). */
  refreshed: boolean;
  /** Servers whose tools could not be snapshotted; they are served without modules. */
  failed: { server: string; message: string }[];
}

interface CacheStamp {
  /** sha256 of the config file's text and the project's approval rules (the modules state each tool's policy). */
  sha256: string;
  servers: string[];
}

/**
 * `serve --mcp-config <file>`: serves the servers of a Claude Desktop, Claude Code, Cursor or VS Code
 * MCP config without a commit. Its servers become server YAML in `<state>/mcp-config/<key>/servers`
 * (private: they hold the file's env values as written), their tools are snapshotted from the live
 * servers and modules generated into `<state>/mcp-config/<key>/modules`. The next start reuses that
 * cache unless the file changed or `refresh` is set.
 */
export async function prepareMcpConfig(
  file: string,
  base: ProjectPaths,
  options: { refresh?: boolean; log?: (line: string) => void } = {},
): Promise<PreparedMcpConfig> {
  const source = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (cause) {
    throw new MagsagError('CONFIG_NOT_FOUND', `--mcp-config ${file}: cannot read it (${(cause as Error).message}). Give the path of claude_desktop_config.json, .mcp.json or mcp.json.`, {
      cause,
      data: { file: source },
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    throw new MagsagError('CONFIG_INVALID', `--mcp-config ${source} is not JSON: ${(cause as Error).message}.`, { cause, data: { file: source } });
  }
  const sha256 = createHash('sha256').update(text).update('\0').update(JSON.stringify(base.approvals ?? {})).digest('hex');
  const cacheDir = path.join(base.stateDir, 'mcp-config', createHash('sha256').update(source).digest('hex').slice(0, 16));
  const serversDir = path.join(cacheDir, 'servers');
  const modulesDir = path.join(cacheDir, 'modules');
  const stampFile = path.join(cacheDir, 'source.json');
  const paths: ProjectPaths = { ...base, serversDir, modulesDir };
  const stamp = readStamp(stampFile);
  if (!options.refresh && stamp?.sha256 === sha256 && existsSync(path.join(modulesDir, 'catalog.json'))) {
    return { paths, cacheDir, refreshed: false, failed: [] };
  }

  const { document: others, skipped } = withoutMagsag(document);
  for (const name of skipped) options.log?.(`magsag serve: skipping "${name}" in ${source}: it is MAGSAG itself, which would serve itself\n`);
  const { servers, errors } = importMcpServers(others, {
    source,
    keepSecrets: true,
    workspaceFolder: mcpConfigFolder(source),
  });
  if (errors.length > 0) {
    throw new MagsagError(errors[0]!.code, `--mcp-config: ${errors.map((e) => e.message).join(' ')} Fix the file; nothing is served until it is valid.`, {
      data: { file: source },
    });
  }
  if (servers.length === 0) throw new MagsagError('CONFIG_INVALID', `--mcp-config ${source} has no servers to serve.`, { data: { file: source } });

  // Build next to the cache, then swap, so a failed refresh leaves the last good cache in place.
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  chmodSync(cacheDir, 0o700);
  const staging = path.join(cacheDir, `staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(path.join(staging, 'servers'), { recursive: true, mode: 0o700 });
  for (const server of servers) writeFileSync(path.join(staging, 'servers', `${server.id}.yaml`), server.yaml, { mode: 0o600 });

  options.log?.(`magsag serve: snapshotting the tools of ${servers.map((s) => s.id).join(', ')} from ${source}\n`);
  const { generate, refreshSnapshots } = await import('@magsag/codegen');
  const refreshed = await refreshSnapshots({ serversDir: path.join(staging, 'servers') });
  const failed = refreshed.diagnostics
    .filter((d) => d.level === 'error')
    .map((d) => ({ server: d.server ?? (d.file ? path.basename(d.file).replace(/\.ya?ml$/, '') : 'unknown'), message: d.message }));
  for (const f of failed) options.log?.(`magsag serve: warning: ${f.server}: ${f.message.split('\n')[0]} (served without tool modules; fix it and start with --refresh)\n`);
  // Policies as the served project decides them at call time (its magsag.config.yaml approvals).
  const generated = await generate({ serversDir: path.join(staging, 'servers'), outDir: path.join(staging, 'modules'), cwd: staging, approvals: base.approvals });
  if (!generated.ok) {
    rmSync(staging, { recursive: true, force: true });
    const first = generated.diagnostics.find((d) => d.level === 'error');
    throw new MagsagError('CONFIG_INVALID', `--mcp-config: generating modules for ${source} failed: ${first?.message ?? 'unknown error'}`, { data: { file: source } });
  }
  for (const dir of ['servers', 'modules']) {
    rmSync(path.join(cacheDir, dir), { recursive: true, force: true });
    renameSync(path.join(staging, dir), path.join(cacheDir, dir));
  }
  rmSync(staging, { recursive: true, force: true });
  // A server that failed is tried again on the next start: the stamp is written only when all worked.
  if (failed.length === 0) writeFileSync(stampFile, `${JSON.stringify({ sha256, servers: servers.map((s) => s.id) } satisfies CacheStamp)}\n`, { mode: 0o600 });
  else rmSync(stampFile, { force: true });
  return { paths, cacheDir, refreshed: true, failed };
}

function readStamp(file: string): CacheStamp | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CacheStamp;
  } catch {
    return undefined;
  }
}

/**
 * The config without its entries that start `magsag serve` (the client's config usually lists
 * MAGSAG itself beside the servers it should serve); everything else is left to the importer.
 */
export function withoutMagsag(document: unknown): { document: unknown; skipped: string[] } {
  if (document === null || typeof document !== 'object') return { document, skipped: [] };
  const root = document as Record<string, unknown>;
  const key = root['mcpServers'] === undefined && root['servers'] !== undefined ? 'servers' : 'mcpServers';
  const entries = root[key];
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) return { document, skipped: [] };
  const skipped: string[] = [];
  const kept: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(entries as Record<string, unknown>)) {
    const e = (entry ?? {}) as { command?: unknown; args?: unknown };
    const words = [e.command, ...(Array.isArray(e.args) ? e.args : [])].filter((w): w is string => typeof w === 'string');
    const isMagsag = words.some((w) => /(^|[/\\])magsag(\.cmd|\.js)?$/.test(w) || w === 'magsag' || /(^|[/\\])cli[/\\](dist|src)[/\\]bin\.(js|ts)$/.test(w));
    if (isMagsag && words.includes('serve')) skipped.push(name);
    else kept[name] = entry;
  }
  return { document: { ...root, [key]: kept }, skipped };
}
