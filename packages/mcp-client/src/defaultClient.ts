import { McpClient, type CallToolOptions } from './client.ts';
import type { ToolCallResult } from './middleware.ts';

let defaultClient: McpClient | undefined;

/**
 * The client behind {@link callMCPTool}: set by the host (the CLI, a test, a script), or created on
 * first use from `MAGSAG_SERVERS_DIR` / the nearest `tools/adk/servers`.
 */
export function getDefaultClient(): McpClient {
  defaultClient ??= new McpClient();
  return defaultClient;
}

/** Makes `client` the one {@link callMCPTool} uses; returns the previous one (not closed). */
export function setDefaultClient(client: McpClient | undefined): McpClient | undefined {
  const previous = defaultClient;
  defaultClient = client;
  return previous;
}

/** Closes the default client's servers so a script can exit. */
export async function closeDefaultClient(): Promise<void> {
  const client = defaultClient;
  defaultClient = undefined;
  await client?.close();
}

/**
 * Calls `tool` on `server` through the default client. Generated modules under `servers/` import
 * this; inside the sandbox the same import resolves to the runner's bridge.
 */
export function callMCPTool(server: string, tool: string, args: Record<string, unknown> = {}, options: CallToolOptions = {}): Promise<ToolCallResult> {
  return getDefaultClient().callTool(server, tool, args, options);
}

/**
 * Calls `tool` on `server` through the default client and returns the parsed result: its
 * `structuredContent`, else the JSON of a single text block, else the text. What generated modules
 * return; a result that does not match the tool's inferred type is returned with a logged warning.
 */
export function callMCPToolData(server: string, tool: string, args: Record<string, unknown> = {}, options: CallToolOptions = {}): Promise<unknown> {
  return getDefaultClient().callToolData(server, tool, args, options);
}
