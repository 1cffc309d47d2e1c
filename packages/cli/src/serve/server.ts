import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MagsagError, toMagsagError, version } from '@magsag/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { readCatalog, readToolSource } from '../tools/catalog.ts';
import { searchTools } from '../tools/search.ts';

/** What `execute_code` runs: the CLI wires the runner (with the PII masker) in here. */
export type ExecuteCode = (request: { code: string; workspace?: string; timeoutMs?: number; signal: AbortSignal }) => Promise<{ ok: boolean; modelView: string }>;

/** What `run_skill` runs: the CLI wires the catalog and the runner in here. */
export type RunSkill = (request: { name: string; input: unknown; workspace?: string; signal: AbortSignal }) => Promise<{ ok: boolean; modelView: string }>;

/** What `list_skills` lists. */
export type ListSkills = () => { name: string; description: string; version: string; inputs: unknown }[];

/** What the MAGSAG MCP server needs from its host. */
export interface ServeDeps {
  /** The generated modules folder (with catalog.json). */
  generatedDir: string;
  /** Runs agent code; absent until the runner is wired. */
  executeCode?: ExecuteCode;
  /** Runs a skill; absent when no skills are wired. */
  runSkill?: RunSkill;
  /** Lists the skills. */
  listSkills?: ListSkills;
  /** Masks any text before it leaves the server (the PII second guard). @default identity */
  mask?: (text: string) => string;
}

const text = (value: string, isError = false): { content: { type: 'text'; text: string }[]; isError?: boolean } => ({
  content: [{ type: 'text', text: value }],
  ...(isError ? { isError: true } : {}),
});

/** Builds one MCP server instance exposing MAGSAG's small tool surface. */
export function createMagsagServer(deps: ServeDeps): McpServer {
  const mask = deps.mask ?? ((s: string) => s);
  const server = new McpServer({ name: 'magsag', version }, { capabilities: { tools: {} } });
  const failure = (error: unknown): ReturnType<typeof text> => {
    const e = toMagsagError(error);
    return text(mask(`${e.code}: ${e.message}`), true);
  };

  server.registerTool(
    'search_tools',
    {
      description: 'Find MCP tools by keyword. Returns names, one-line summaries, or typed signatures (detail). Import them in execute_code from ./servers/<server>/<function>.',
      inputSchema: {
        query: z.string(),
        detail: z.enum(['name', 'summary', 'full']).optional(),
        server: z.string().optional(),
        limit: z.number().int().positive().max(50).optional(),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ query, detail, server: only, limit }) => {
      try {
        const hits = searchTools(readCatalog(deps.generatedDir), query, { detail: detail ?? 'summary', limit: limit ?? 10, ...(only ? { server: only } : {}) });
        return text(mask(JSON.stringify(hits)));
      } catch (error) {
        return failure(error);
      }
    },
  );

  server.registerTool(
    'read_tool',
    {
      description: 'Read one generated tool module (types, docs, function): tool is "<server>/<tool>".',
      inputSchema: { tool: z.string() },
      annotations: { readOnlyHint: true },
    },
    async ({ tool }) => {
      try {
        return text(mask(readToolSource(deps.generatedDir, tool).source));
      } catch (error) {
        return failure(error);
      }
    },
  );

  if (deps.executeCode) {
    const executeCode = deps.executeCode;
    server.registerTool(
      'execute_code',
      {
        description:
          'Run a TypeScript module in a sandbox. Import tools from ./servers/<server>/<function>; export default the result (or an async function). Returns the curated, masked output. Reuse workspace to keep files and placeholders.',
        inputSchema: { code: z.string(), workspace: z.string().optional(), timeoutMs: z.number().int().positive().optional() },
      },
      async ({ code, workspace, timeoutMs }, extra) => {
        try {
          const result = await executeCode({ code, signal: extra.signal, ...(workspace ? { workspace } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
          return text(mask(result.modelView), !result.ok);
        } catch (error) {
          return failure(error);
        }
      },
    );
  }
  if (deps.listSkills) {
    const listSkills = deps.listSkills;
    server.registerTool(
      'list_skills',
      { description: 'List reusable skills: name, description, version, input schema.', inputSchema: {}, annotations: { readOnlyHint: true } },
      async () => {
        try {
          return text(mask(JSON.stringify(listSkills())));
        } catch (error) {
          return failure(error);
        }
      },
    );
  }

  if (deps.runSkill) {
    const runSkill = deps.runSkill;
    server.registerTool(
      'run_skill',
      {
        description: 'Run a skill by name with its input (see list_skills) in the sandbox; returns the masked model view.',
        inputSchema: { name: z.string(), input: z.record(z.string(), z.unknown()).optional(), workspace: z.string().optional() },
      },
      async ({ name, input, workspace }, extra) => {
        try {
          const result = await runSkill({ name, input: input ?? {}, signal: extra.signal, ...(workspace ? { workspace } : {}) });
          return text(mask(result.modelView), !result.ok);
        } catch (error) {
          return failure(error);
        }
      },
    );
  }
  return server;
}

/** Serves over stdio until the client disconnects. */
export async function serveStdio(deps: ServeDeps): Promise<void> {
  const server = createMagsagServer(deps);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
  });
  await server.connect(transport);
  await closed;
}

/** Options for {@link serveHttp}. */
export interface HttpServeOptions {
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Bearer token clients must send; required when `host` is not loopback. */
  token?: string;
}

const loopback = new Set(['127.0.0.1', 'localhost', '::1']);

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 4 * 1024 * 1024) throw new MagsagError('USAGE', 'request body over 4 MiB');
    chunks.push(chunk);
  }
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

/**
 * Serves streamable HTTP at `http://host:port/mcp`, one MCP session per client. Binding anything
 * but loopback requires a bearer token.
 */
export async function serveHttp(deps: ServeDeps, options: HttpServeOptions): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  if (!loopback.has(host) && !options.token) {
    throw new MagsagError('USAGE', `Binding magsag serve to ${host} exposes code execution to the network: set a bearer token with --token or MAGSAG_SERVE_TOKEN.`);
  }
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const send = (res: ServerResponse, status: number, message: string): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
  };
  const http = createServer((req, res) => {
    void (async () => {
      if (!req.url?.startsWith('/mcp')) return send(res, 404, 'Not found: the MCP endpoint is /mcp');
      if (options.token && req.headers.authorization !== `Bearer ${options.token}`) return send(res, 401, 'Missing or wrong bearer token');
      const sessionId = req.headers['mcp-session-id'];
      const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      try {
        if (req.method === 'POST') {
          const body = await readJson(req);
          if (existing) return await existing.handleRequest(req, res, body);
          if (!isInitializeRequest(body)) return send(res, 400, 'No session: send initialize first');
          const transport = new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            onsessioninitialized: (id) => void sessions.set(id, transport),
          });
          transport.onclose = () => {
            if (transport.sessionId) sessions.delete(transport.sessionId);
          };
          await createMagsagServer(deps).connect(transport);
          return await transport.handleRequest(req, res, body);
        }
        if (!existing) return send(res, 400, 'Unknown or missing mcp-session-id');
        return await existing.handleRequest(req, res);
      } catch (error) {
        if (!res.headersSent) send(res, 400, toMagsagError(error).message);
      }
    })();
  });
  // Code runs can take minutes: no request timeout. Keep idle connections open longer than
  // clients do, so a client never reuses a socket the server is closing (ECONNRESET under load).
  http.requestTimeout = 0;
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, resolve);
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`,
    server: http,
    close: async () => {
      await Promise.all([...sessions.values()].map((t) => t.close().catch(() => {})));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
