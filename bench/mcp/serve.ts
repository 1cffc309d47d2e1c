// The code-execution side's MCP surface, for real: `magsag serve` started as MCP clients start it
// (the same entry as `pnpm magsag serve`), in the bench's project copy, and queried over stdio with
// the official SDK client. Its tool list is what the model is given; its `search_tools` answers are
// what discovery costs.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ServedTool {
  name: string;
  description?: string;
  inputSchema: unknown;
}

export interface MagsagServe {
  tools: ServedTool[];
  /** Calls one tool of `magsag serve` and returns its answer text as the model would see it. */
  call(tool: string, args: Record<string, unknown>): Promise<{ text: string; isError: boolean }>;
  close(): Promise<void>;
}

/** Starts `magsag serve` (stdio) with `cwd` as its project root. */
export async function startServe(cwd: string): Promise<MagsagServe> {
  // The package's source entry, as the root `magsag` script runs it (whatever condition resolved the import).
  let pkg = path.dirname(fileURLToPath(import.meta.resolve('magsag')));
  while (!existsSync(path.join(pkg, 'package.json')) && path.dirname(pkg) !== pkg) pkg = path.dirname(pkg);
  const bin = path.join(pkg, 'src', 'bin.ts');
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--no-node-snapshot', '--conditions=magsag-source', '--import', import.meta.resolve('tsx'), bin, 'serve'],
    cwd,
    env: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'MAGSAG_SERVERS_DIR' && e[0] !== 'MAGSAG_STATE_DIR')),
    stderr: 'ignore',
  });
  const client = new Client({ name: 'magsag-bench', version: '0.1.0' });
  await client.connect(transport);
  const listed = await client.listTools();
  return {
    tools: listed.tools.map((t) => ({ name: t.name, ...(t.description === undefined ? {} : { description: t.description }), inputSchema: t.inputSchema })),
    async call(tool, args) {
      const result = await client.callTool({ name: tool, arguments: args });
      const content = Array.isArray(result.content) ? (result.content as { type: string; text?: string }[]) : [];
      return { text: content.map((c) => (c.type === 'text' ? (c.text ?? '') : JSON.stringify(c))).join('\n'), isError: result.isError === true };
    },
    close: () => client.close(),
  };
}
