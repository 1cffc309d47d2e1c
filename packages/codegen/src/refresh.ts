import { readFileSync, writeFileSync } from 'node:fs';
import { silentLogger, toMagsagError, type Logger } from '@magsag/core';
import type { McpClient, Tool } from '@magsag/mcp-client';
import { toolSnapshotSchema, type ToolSnapshot } from '@magsag/mcp-client/config';
import { isMap, isScalar, parseDocument, type Scalar } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';
import { compareCodeUnits } from './naming.ts';

/** Options for {@link refreshSnapshots}. */
export interface RefreshOptions {
  /** Folder of server YAML files. @default MAGSAG_SERVERS_DIR, else the project's `folders.servers` */
  serversDir?: string;
  /** Server ids to refresh. @default every enabled server */
  servers?: string[];
  /** The client that starts the servers; one is created (and closed) when not given. */
  client?: McpClient;
  /** Environment for `${VAR}` in server YAML. @default process.env */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Called as each server is done (the CLI shows progress on a terminal with it). */
  onServer?: (server: RefreshedServer) => void;
}

/** One server's refreshed snapshot. */
export interface RefreshedServer {
  id: string;
  /** The server YAML, absolute. */
  file: string;
  tools: number;
  /** True when the YAML was rewritten (the snapshot differed). */
  changed: boolean;
}

/** What {@link refreshSnapshots} did. */
export interface RefreshResult {
  ok: boolean;
  servers: RefreshedServer[];
  diagnostics: Diagnostic[];
}

const snapshotComment =
  ' Tool snapshot taken from the live server by `magsag codegen --refresh`; codegen reads it so that CI\n' +
  ' never starts servers. Refresh it instead of editing it.';

/** The snapshot of one tool: the fields codegen reads, in a fixed order, nothing else. */
export function toToolSnapshot(tool: Tool): ToolSnapshot {
  const snapshot: Record<string, unknown> = { name: tool.name };
  if (tool.title !== undefined) snapshot['title'] = tool.title;
  if (tool.description !== undefined) snapshot['description'] = tool.description;
  snapshot['inputSchema'] = tool.inputSchema;
  if (tool.outputSchema !== undefined) snapshot['outputSchema'] = tool.outputSchema;
  if (tool.annotations !== undefined) snapshot['annotations'] = tool.annotations;
  return toolSnapshotSchema.parse(JSON.parse(JSON.stringify(snapshot)));
}

/** What a person or `--sample` wrote under a tool, which a refresh keeps: the server does not say it. */
const keptKeys = ['sample', 'inferredOutputSchema'] as const;

/**
 * Replaces the `tools:` list of a server YAML text with `tools` (sorted by name), keeping every
 * comment and every other key as written, and each tool's `sample` and `inferredOutputSchema`.
 * Returns the new text.
 */
export function writeSnapshot(text: string, tools: readonly ToolSnapshot[]): string {
  const doc = parseDocument(text);
  if (!isMap(doc.contents)) throw new Error('the YAML document is not a mapping');
  const previous = new Map<string, Record<string, unknown>>();
  const old = (doc.toJS() as { tools?: unknown } | null)?.tools;
  if (Array.isArray(old)) {
    for (const entry of old as Record<string, unknown>[]) if (entry && typeof entry['name'] === 'string') previous.set(entry['name'], entry);
  }
  const sorted = [...tools]
    .sort((a, b) => compareCodeUnits(a.name, b.name))
    .map((tool) => {
      const before = previous.get(tool.name);
      const kept = Object.fromEntries(keptKeys.filter((key) => before?.[key] !== undefined).map((key) => [key, before![key]]));
      return { ...tool, ...kept };
    });
  const value = doc.createNode(sorted);
  if (doc.contents.items.some((item) => isScalar(item.key) && item.key.value === 'tools')) doc.set('tools', value);
  else {
    const pair = doc.createPair('tools', value);
    (pair.key as Scalar).commentBefore = snapshotComment;
    doc.add(pair);
  }
  return doc.toString({ lineWidth: 0 });
}

/**
 * Connects to each server through `@magsag/mcp-client`, lists its tools from the server itself, and
 * writes them into the server's YAML as its `tools:` snapshot (comments kept). A server that fails
 * becomes an error diagnostic; the others are still refreshed.
 */
export async function refreshSnapshots(options: RefreshOptions = {}): Promise<RefreshResult> {
  const logger = (options.logger ?? silentLogger).child({ component: 'codegen' });
  // The MCP SDK loads only here: generate and --check never need it.
  const client =
    options.client ??
    new (await import('@magsag/mcp-client')).McpClient({
      ...(options.serversDir === undefined ? {} : { serversDir: options.serversDir }),
      ...(options.env === undefined ? {} : { env: options.env }),
      logger,
    });
  const diagnostics: Diagnostic[] = [];
  const servers: RefreshedServer[] = [];
  try {
    for (const error of client.configErrors()) {
      const file = error.data?.['file'];
      diagnostics.push({ level: 'error', code: error.code, ...(typeof file === 'string' ? { file } : {}), message: error.message });
    }
    const ids = options.servers?.length ? [...new Set(options.servers)] : client.servers().filter((s) => s.enabled).map((s) => s.id);
    await Promise.all(
      ids.map(async (id) => {
        try {
          const config = client.server(id);
          const tools = (await client.listTools(id, { refresh: true })).map(toToolSnapshot);
          const text = readFileSync(config.file, 'utf8');
          const next = writeSnapshot(text, tools);
          if (next !== text) writeFileSync(config.file, next);
          const done = { id, file: config.file, tools: tools.length, changed: next !== text };
          servers.push(done);
          options.onServer?.(done);
        } catch (error) {
          const e = toMagsagError(error);
          const file = e.data?.['file'];
          diagnostics.push({ level: 'error', code: e.code, server: id, ...(typeof file === 'string' ? { file } : {}), message: e.message });
        }
      }),
    );
  } finally {
    if (options.client === undefined) await client.close();
  }
  servers.sort((a, b) => compareCodeUnits(a.id, b.id));
  return { ok: !diagnostics.some((d) => d.level === 'error'), servers, diagnostics };
}
