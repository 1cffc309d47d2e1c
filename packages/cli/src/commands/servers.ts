import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MagsagError, toMagsagError, type ErrorCode } from '@magsag/core';
import { describeTransport, importMcpServers, mcpConfigFolder, type McpClient, type ServerConfig } from '@magsag/mcp-client';

/** A `{ code, message }` error as scripts see it in `--json` output. */
export interface JsonError {
  code: ErrorCode;
  message: string;
}

const jsonError = (error: unknown): JsonError => {
  const e = toMagsagError(error);
  return { code: e.code, message: e.message };
};

/** One row of `magsag servers list`. */
export interface ServerListEntry {
  id: string;
  enabled: boolean;
  description: string;
  transport: string;
  fallbacks: number;
  cache: 'warm' | 'cold' | 'n/a';
  file: string;
  error: JsonError | null;
}

/** Every configured server, enabled or not, and each broken file, without starting any server. */
export function listServers(client: McpClient): ServerListEntry[] {
  const rows: ServerListEntry[] = client.servers().map((s: ServerConfig) => ({
    id: s.id,
    enabled: s.enabled,
    description: s.description,
    transport: describeTransport(s.transport),
    fallbacks: s.fallback.length,
    cache: client.isCacheWarm(s.id) ? 'warm' : 'cold',
    file: s.file,
    error: null,
  }));
  for (const error of client.configErrors()) {
    const file = String(error.data?.['file'] ?? '');
    rows.push({
      id: path.basename(file).replace(/\.ya?ml$/, ''),
      enabled: false,
      description: '',
      transport: 'invalid',
      fallbacks: 0,
      cache: 'n/a',
      file,
      error: jsonError(error),
    });
  }
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

/** The result of testing one server: the JSON shape of `magsag servers test --json`. */
export interface ServerTestResult {
  server: string;
  ok: boolean;
  tools: number;
  ms: number;
  error: JsonError | null;
}

/**
 * Connects to each server (starting it), lists its tools from the server itself (refreshing the
 * cache), and reports the count and round-trip time. `onResult` fires as each finishes.
 */
export async function testServers(
  client: McpClient,
  ids: string[],
  options: { concurrency?: number; onResult?: (result: ServerTestResult) => void } = {},
): Promise<ServerTestResult[]> {
  const results: ServerTestResult[] = new Array<ServerTestResult>(ids.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const index = next++;
      const id = ids[index]!;
      const started = performance.now();
      let result: ServerTestResult;
      try {
        const tools = await client.listTools(id, { refresh: true });
        result = { server: id, ok: true, tools: tools.length, ms: Math.round(performance.now() - started), error: null };
      } catch (error) {
        result = { server: id, ok: false, tools: 0, ms: Math.round(performance.now() - started), error: jsonError(error) };
      }
      results[index] = result;
      options.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, ids.length) }, worker));
  return results;
}

/** Each server file that does not load, as a failed test result (`servers test --all` counts them). */
export function invalidServers(client: McpClient): ServerTestResult[] {
  return client.configErrors().map((error) => ({
    server: path.basename(String(error.data?.['file'] ?? 'unknown')).replace(/\.ya?ml$/, ''),
    ok: false,
    tools: 0,
    ms: 0,
    error: jsonError(error),
  }));
}

/** Which servers `servers test` covers: the named ones, or every enabled one with `all`. */
export function selectServers(client: McpClient, ids: string[], all: boolean): string[] {
  if (all && ids.length > 0) throw new MagsagError('USAGE', 'Give server ids or --all, not both.');
  if (all) return client.servers().filter((s) => s.enabled).map((s) => s.id);
  if (ids.length === 0) throw new MagsagError('USAGE', 'Name a server to test (see `magsag servers list`) or pass --all.');
  for (const id of ids) client.server(id);
  return ids;
}

/** What `magsag servers import` wrote. */
export interface ImportResult {
  written: { id: string; file: string; variables: string[] }[];
  /** Files that existed and were replaced (only with `force`). */
  replaced: string[];
}

/** How `magsag servers import` names what it writes. */
export interface ImportServersOptions {
  /** Overwrite servers that exist. */
  force?: boolean;
  keepSecrets?: boolean;
  /** New ids by entry name: `{ memory: 'my-memory' }`. */
  rename?: Record<string, string>;
  /** Put before every id that `rename` does not set. */
  prefix?: string;
}

/**
 * Writes one server YAML per entry of a `mcpServers` JSON file into `serversDir`, all or nothing:
 * an invalid entry, or an id that is already configured (unless `force`), writes no file at all.
 */
export function importServersFile(file: string, serversDir: string, options: ImportServersOptions = {}): ImportResult {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID';
    throw new MagsagError(code, `Cannot read ${file} as JSON: ${(cause as Error).message}`, { cause, data: { file } });
  }
  const { servers, errors } = importMcpServers(document, {
    source: file,
    workspaceFolder: mcpConfigFolder(file),
    keepSecrets: options.keepSecrets ?? false,
    ...(options.rename ? { rename: options.rename } : {}),
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new MagsagError(first.code, `${errors.length === 1 ? first.message : `${errors.length} entries are invalid; the first: ${first.message}`} Nothing was written.`, {
      data: { file, errors: errors.map(jsonError) },
    });
  }
  const targets = servers.map((server) => ({ server, target: path.join(serversDir, `${server.id}.yaml`) }));
  const existing = targets.filter(({ target, server }) => existsSync(target) || existsSync(path.join(serversDir, `${server.id}.yml`)));
  if (existing.length > 0 && !options.force) {
    const ids = existing.map(({ server }) => server.id);
    const example = existing[0]!.server;
    throw new MagsagError(
      'CONFIG_CONFLICT',
      `${ids.length === 1 ? 'A server' : `${ids.length} servers`} with ${ids.length === 1 ? 'this id is' : 'these ids are'} already configured in ${serversDir}: ${ids.join(', ')}. ` +
        `Nothing was written. Import under other ids (--rename ${example.sourceName}=my-${example.id}, or --prefix my-), or replace them with --force.`,
      { data: { file, serversDir, ids } },
    );
  }
  mkdirSync(serversDir, { recursive: true });
  // Every file is written before any is put in place, so a failed write leaves the folder as it was.
  const staged = targets.map(({ server, target }) => {
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, server.yaml);
    return { server, target, temp };
  });
  const result: ImportResult = { written: [], replaced: existing.map(({ target }) => target) };
  for (const { server, target, temp } of staged) {
    renameSync(temp, target);
    result.written.push({ id: server.id, file: target, variables: server.variables });
  }
  return result;
}
