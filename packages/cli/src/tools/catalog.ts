import { readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CatalogEntry, CatalogServer } from '@magsag/codegen';
import { didYouMean, MagsagError } from '@magsag/core';

/** One tool in `servers/catalog.json`, as `magsag codegen` writes it. */
export type CatalogTool = CatalogEntry;

/** Reads `<serversRoot>/catalog.json`'s tools; starts no server. */
export function readCatalog(serversRoot: string): CatalogTool[] {
  return readCatalogDocument(serversRoot).tools;
}

/** The whole `<serversRoot>/catalog.json`: its tools and, when recorded, its servers. */
function readCatalogDocument(serversRoot: string): { tools: CatalogTool[]; servers?: unknown } {
  const file = path.join(serversRoot, 'catalog.json');
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new MagsagError(
      missing ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID',
      missing
        ? `No tool catalog at ${file}. Run \`magsag codegen\` (after \`magsag codegen --refresh\` for servers without a snapshot).`
        : `${file} is not valid JSON (${(cause as Error).message}). Regenerate it with \`magsag codegen\`.`,
      { cause, data: { file } },
    );
  }
  const tools = (document as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(tools)) {
    throw new MagsagError('CONFIG_INVALID', `${file} has no "tools" list. Regenerate it with \`magsag codegen\`.`, { data: { file } });
  }
  return { tools: tools as CatalogTool[], servers: (document as { servers?: unknown }).servers };
}

/**
 * The servers of a catalog with their one-line descriptions and tool counts: what an agent sees
 * before it knows what to search for. A catalog from before descriptions were recorded gives counts only.
 */
export function catalogServers(serversRoot: string): CatalogServer[] {
  const { tools, servers: recorded } = readCatalogDocument(serversRoot);
  if (Array.isArray(recorded)) return recorded as CatalogServer[];
  const counts = new Map<string, number>();
  for (const entry of tools) counts.set(entry.server, (counts.get(entry.server) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([server, n]) => ({ server, description: '', tools: n }));
}

/** What `magsag tools ls` shows: the servers, or one server's tools. */
export type ToolsListing =
  | { kind: 'servers'; servers: { server: string; tools: number }[] }
  | { kind: 'tools'; server: string; tools: { tool: string; function: string; file: string; summary: string }[] };

/** Lists `servers/` as an agent browses it: servers with tool counts, or a server's tools. */
export function listTools(serversRoot: string, target?: string): ToolsListing {
  const catalog = readCatalog(serversRoot);
  const server = target?.replace(/^\.?\/?(servers\/)?/, '').replace(/\/$/, '');
  if (!server) {
    const counts = new Map<string, number>();
    for (const entry of catalog) counts.set(entry.server, (counts.get(entry.server) ?? 0) + 1);
    return { kind: 'servers', servers: [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([id, tools]) => ({ server: id, tools })) };
  }
  const tools = catalog.filter((entry) => entry.server === server);
  if (tools.length === 0) throw unknownServer(serversRoot, server, catalog);
  return { kind: 'tools', server, tools: tools.map(({ tool, function: fn, file, summary }) => ({ tool, function: fn, file, summary })) };
}

function unknownServer(serversRoot: string, server: string, catalog: CatalogTool[]): MagsagError {
  const known = [...new Set(catalog.map((entry) => entry.server))];
  return new MagsagError('SERVER_NOT_FOUND', `No generated modules for server "${server}" in ${serversRoot}.${didYouMean(server, known)} Known: ${known.join(', ') || 'none'}.`, {
    data: { server },
  });
}

/** The source of one generated module: `<server>/<tool or function>` (with or without `.ts`). */
export function readToolSource(serversRoot: string, ref: string): { server: string; tool: string; file: string; source: string } {
  const [server, name] = ref.replace(/\.ts$/, '').split('/', 2);
  if (!server || !name) throw new MagsagError('USAGE', `Name a tool as <server>/<tool>, for example filesystem/read_text_file (got "${ref}").`);
  const catalog = readCatalog(serversRoot);
  const entry = catalog.find((e) => e.server === server && (e.tool === name || e.function === name));
  if (!entry) {
    if (!catalog.some((e) => e.server === server)) throw unknownServer(serversRoot, server, catalog);
    const names = catalog.filter((e) => e.server === server).flatMap((e) => [e.tool, e.function]);
    const near = didYouMean(name, [...new Set(names)]);
    throw new MagsagError('TOOL_NOT_FOUND', `Server "${server}" has no tool "${name}".${near} Run \`magsag tools ls ${server}\` to see its tools.`, {
      data: { server, tool: name },
    });
  }
  const file = path.join(serversRoot, entry.file);
  return { server, tool: entry.tool, file, source: readFileSync(file, 'utf8') };
}

/** True when `dir` looks like a generated servers folder. */
export function hasCatalog(dir: string): boolean {
  return existsSync(path.join(dir, 'catalog.json')) && statSync(dir).isDirectory() && readdirSync(dir).length > 0;
}
