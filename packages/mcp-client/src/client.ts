import { didYouMean, MagsagError, isMagsagError, silentLogger, type Logger, type RunContext } from '@magsag/core';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import path from 'node:path';
import { ToolCache } from './cache.ts';
import { loadServerConfigs } from './config/load.ts';
import { resolveProjectPaths } from './config/paths.ts';
import { defaultTimeouts, type ServerConfig } from './config/schema.ts';
import { mcpErrorKind, ServerConnection } from './connection.ts';
import { isToolAllowed } from './config/toolFilter.ts';
import type { ToolCall, ToolCallMiddleware, ToolCallResult } from './middleware.ts';
import { validateAgainstSchema } from './validate.ts';
import { closeInputSchema } from './config/closeSchema.ts';
import { toolResultData } from './resultData.ts';
import { resolveToolPolicy, type ApprovalRules, type ToolPolicyInfo } from './config/approvals.ts';

// One closed copy per tool definition: validation compiles it once (ajv caches by object).
const closedSchemas = new WeakMap<object, Record<string, unknown>>();
function closedInputSchema(schema: Record<string, unknown>): Record<string, unknown> {
  let closed = closedSchemas.get(schema);
  if (!closed) closedSchemas.set(schema, (closed = closeInputSchema(schema)));
  return closed;
}

/** Options for {@link McpClient}. */
export interface McpClientOptions {
  /** Folder of server YAML files. @default MAGSAG_SERVERS_DIR, else the nearest tools/adk/servers */
  serversDir?: string;
  /** Server definitions given directly instead of read from `serversDir`. */
  servers?: ServerConfig[];
  /** Where tool lists are cached. @default <project>/.magsag/cache */
  cacheDir?: string;
  /** Structured logger (pino works); the client never prints. @default silent */
  logger?: Logger;
  /** Middleware on every tool call, in order. */
  middleware?: ToolCallMiddleware[];
  /** Environment for `${VAR}` expansion. @default process.env */
  env?: Record<string, string | undefined>;
  /** Restarts in a row of a server that died before calls fail for good. @default 1 */
  maxRestarts?: number;
  /**
   * The project's approval defaults (`approvals:` of magsag.config.yaml: `<server>/<tool>` globs per
   * policy) and the file they came from, for {@link McpClient.toolPolicy}. @default none
   */
  approvals?: { rules: ApprovalRules; file?: string | undefined };
}

/** Options for one {@link McpClient.callTool} call. */
export interface CallToolOptions {
  /** Per-call timeout. @default the server's timeouts.callMs, else 60000 */
  timeoutMs?: number;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** The per-run context handed to middleware. */
  context?: RunContext;
}

/** Where a server's tool list came from in {@link McpClient.listTools}. */
export type ToolSource = 'memory' | 'cache' | 'server';

/**
 * The MCP client every MAGSAG package uses. Constructing it starts nothing: servers are started or
 * connected on first use, tool lists are cached on disk, and {@link close} ends every process.
 */
export class McpClient {
  private readonly options: McpClientOptions;
  private readonly logger: Logger;
  private readonly middleware: ToolCallMiddleware[];
  private loaded: { servers: Map<string, ServerConfig>; errors: MagsagError[]; dir: string | undefined } | undefined;
  private readonly connections = new Map<string, ServerConnection>();
  private readonly toolLists = new Map<string, Tool[]>();
  private cacheInstance: ToolCache | undefined;
  private closed = false;
  private foundApprovals: McpClientOptions['approvals'];

  constructor(options: McpClientOptions = {}) {
    this.options = options;
    this.logger = (options.logger ?? silentLogger).child({ component: 'mcp-client' });
    this.middleware = [...(options.middleware ?? [])];
  }

  /** Adds a middleware at the end of the chain. */
  use(middleware: ToolCallMiddleware): this {
    this.middleware.push(middleware);
    return this;
  }

  private load(): NonNullable<McpClient['loaded']> {
    if (this.loaded) return this.loaded;
    if (this.options.servers) {
      this.loaded = { servers: new Map(this.options.servers.map((s) => [s.id, s])), errors: [], dir: undefined };
    } else {
      const dir = this.options.serversDir ?? resolveProjectPaths({ env: this.options.env ?? process.env }).serversDir;
      const result = loadServerConfigs(dir, { env: this.options.env ?? process.env, parseCacheDir: path.join(this.cacheDir(), 'config') });
      for (const error of result.errors) this.logger.warn({ code: error.code, file: error.data?.['file'] }, error.message);
      this.loaded = { servers: new Map(result.servers.map((s) => [s.id, s])), errors: result.errors, dir: result.dir };
    }
    return this.loaded;
  }

  private cacheDir(): string {
    return this.options.cacheDir ?? path.join(resolveProjectPaths({ env: this.options.env ?? process.env }).stateDir, 'cache');
  }

  private cache(): ToolCache {
    this.cacheInstance ??= new ToolCache(this.cacheDir());
    return this.cacheInstance;
  }

  /** Every valid configured server, enabled or not, sorted by id. */
  servers(): ServerConfig[] {
    return [...this.load().servers.values()];
  }

  /** One error per server YAML that failed to load. */
  configErrors(): MagsagError[] {
    return this.load().errors;
  }

  /** The server definition for `id`; throws `SERVER_NOT_FOUND` (or the file's own error). */
  server(id: string): ServerConfig {
    const loaded = this.load();
    const found = loaded.servers.get(id);
    if (found) return found;
    const broken = loaded.errors.find((error) => {
      const file = error.data?.['file'];
      return typeof file === 'string' && path.basename(file).replace(/\.ya?ml$/, '') === id;
    });
    if (broken) throw broken;
    const known = [...loaded.servers.keys()];
    throw new MagsagError(
      'SERVER_NOT_FOUND',
      `No server "${id}" is configured${loaded.dir ? ` in ${loaded.dir}` : ''}.${didYouMean(id, known)} ` +
        (known.length ? `Known servers: ${known.join(', ')}.` : 'No servers are configured.') +
        ' Add tools/adk/servers/<id>.yaml or run `magsag servers list`.',
      { data: { server: id } },
    );
  }

  private enabledServer(id: string): ServerConfig {
    const config = this.server(id);
    if (!config.enabled) {
      throw new MagsagError('SERVER_DISABLED', `Server "${id}" is disabled (enabled: false in ${config.file}). Set enabled: true to use it.`, {
        data: { server: id, file: config.file },
      });
    }
    return config;
  }

  private connection(config: ServerConfig): ServerConnection {
    if (this.closed) throw new MagsagError('SERVER_CRASHED', 'This McpClient was closed; create a new one.');
    let connection = this.connections.get(config.id);
    if (!connection) {
      connection = new ServerConnection(config, this.logger, this.options.maxRestarts ?? 1);
      this.connections.set(config.id, connection);
    }
    return connection;
  }

  /** True when the server's tools are known without starting it (memory or disk cache). */
  isCacheWarm(id: string): boolean {
    const config = this.server(id);
    return this.toolLists.has(id) || this.cache().read(config) !== undefined;
  }

  /** True when a live connection to the server exists. */
  isConnected(id: string): boolean {
    return this.connections.has(id);
  }

  /**
   * The server's tools, filtered by `allowTools` / `denyTools`. Served from memory, then the disk
   * cache; the server is contacted only when neither has them or `refresh` is set.
   */
  async listTools(id: string, options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<Tool[]> {
    return (await this.listToolsWithSource(id, options)).tools;
  }

  /** Like {@link listTools}, also saying where the list came from. */
  async listToolsWithSource(id: string, options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<{ tools: Tool[]; source: ToolSource }> {
    const config = this.enabledServer(id);
    if (!options.refresh) {
      const inMemory = this.toolLists.get(id);
      if (inMemory) return { tools: this.filterTools(config, inMemory), source: 'memory' };
      const cached = this.cache().read(config);
      if (cached) {
        this.toolLists.set(id, cached);
        return { tools: this.filterTools(config, cached), source: 'cache' };
      }
    }
    const connection = this.connection(config);
    const client = await connection.get();
    const tools: Tool[] = [];
    let cursor: string | undefined;
    const request = requestSignal(options.signal);
    try {
      do {
        const page = await client.listTools(cursor ? { cursor } : {}, {
          timeout: config.timeouts.callMs ?? defaultTimeouts.callMs,
          ...(request.signal ? { signal: request.signal } : {}),
        });
        for (const tool of page.tools) tools.push(tool);
        cursor = page.nextCursor;
      } while (cursor);
    } catch (error) {
      throw this.callError(connection, config, 'tools/list', error, options.signal, config.timeouts.callMs ?? defaultTimeouts.callMs);
    } finally {
      request.dispose();
    }
    connection.markHealthy();
    tools.sort((a, b) => a.name.localeCompare(b.name));
    this.toolLists.set(id, tools);
    this.cache().write(config, tools);
    return { tools: this.filterTools(config, tools), source: 'server' };
  }

  /** The catalog of every enabled server: `{ server, tools }` per server, or its error. */
  async catalog(options: { refresh?: boolean } = {}): Promise<{ server: string; tools: Tool[]; error?: MagsagError }[]> {
    const enabled = this.servers().filter((s) => s.enabled);
    return Promise.all(
      enabled.map(async (s) => {
        try {
          return { server: s.id, tools: await this.listTools(s.id, options) };
        } catch (error) {
          return { server: s.id, tools: [], error: isMagsagError(error) ? error : new MagsagError('INTERNAL', String(error), { cause: error }) };
        }
      }),
    );
  }

  /** True when `tool` passes the server's `allowTools` / `denyTools` globs. */
  isToolAllowed(config: ServerConfig, tool: string): boolean {
    return isToolAllowed(config, tool);
  }

  private filterTools(config: ServerConfig, tools: Tool[]): Tool[] {
    return tools.filter((t) => this.isToolAllowed(config, t.name));
  }

  /**
   * Calls a tool: the one call path of the project. Runs middleware, validates the arguments
   * against the tool's input schema, honours the timeout and the signal, restarts a stdio server
   * that died, and returns `{ content, structuredContent }`. Tool errors (`isError`) throw
   * `TOOL_ERROR`; transport failures throw `SERVER_CRASHED` / `TRANSPORT_ERROR`.
   */
  async callTool(server: string, tool: string, args: Record<string, unknown> = {}, options: CallToolOptions = {}): Promise<ToolCallResult> {
    const call: ToolCall = { server, tool, args, context: options.context ?? {} };
    try {
      return await this.callToolOnce(call, options);
    } catch (error) {
      if (!isMagsagError(error) || !this.middleware.some((m) => m.onError)) throw error;
      // An error is the server's output too (a JSON-RPC error message, its stderr): middleware
      // such as the PII layer rewrites it before anyone sees it.
      let failure = error;
      for (const m of this.middleware) {
        const replaced = await m.onError?.(failure, call);
        if (replaced) failure = replaced;
      }
      throw failure;
    }
  }

  private async callToolOnce(call: ToolCall, options: CallToolOptions): Promise<ToolCallResult> {
    const { server, tool, args } = call;
    const config = this.enabledServer(server);
    const label = `${server}/${tool}`;
    if (!this.isToolAllowed(config, tool)) {
      throw new MagsagError('TOOL_DENIED', `Tool ${label} is not allowed by allowTools/denyTools in ${config.file}.`, {
        data: { server, tool },
      });
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new MagsagError('TOOL_INPUT_INVALID', `Arguments for ${label} must be an object, got ${Array.isArray(args) ? 'an array' : typeof args}.`, {
        data: { server, tool },
      });
    }
    const definition = await this.findTool(config, tool, options.signal);
    for (const m of this.middleware) {
      const replaced = await m.beforeCall?.(call);
      if (replaced) call.args = replaced;
    }
    const problems = validateAgainstSchema(closedInputSchema(definition.inputSchema as Record<string, unknown>), call.args);
    if (problems.length > 0) {
      throw new MagsagError(
        'TOOL_INPUT_INVALID',
        `Arguments for ${label} do not match its input schema:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
          `See the tool's input type in servers/${server}/ or run \`magsag tools cat ${label}\`.`,
        { data: { server, tool, problems } },
      );
    }
    const timeoutMs = options.timeoutMs ?? config.timeouts.callMs ?? defaultTimeouts.callMs;
    const connection = this.connection(config);
    const started = Date.now();
    let result: ToolCallResult;
    const request = requestSignal(options.signal);
    try {
      const client = await connection.get();
      options.signal?.throwIfAborted();
      const raw = await client.callTool({ name: tool, arguments: call.args }, undefined, {
        timeout: timeoutMs,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      connection.markHealthy();
      result = {
        content: (raw.content ?? []) as ToolCallResult['content'],
        ...(raw.structuredContent ? { structuredContent: raw.structuredContent as Record<string, unknown> } : {}),
        ...(raw.isError ? { isError: true } : {}),
      };
    } catch (error) {
      throw this.callError(connection, config, label, error, options.signal, timeoutMs);
    } finally {
      request.dispose();
    }
    this.logger.debug({ server, tool, ms: Date.now() - started, isError: result.isError === true }, 'tool call');
    for (const m of this.middleware) {
      const replaced = await m.afterCall?.(result, call);
      if (replaced) result = replaced;
    }
    if (result.isError) {
      const text = result.content
        .map((block) => (block.type === 'text' ? block.text : `[${block.type}]`))
        .join('\n')
        .slice(0, 2000);
      throw new MagsagError('TOOL_ERROR', `Tool ${label} reported an error: ${text || '(no message)'}`, {
        data: { server, tool, content: result.content },
      });
    }
    return result;
  }

  /**
   * Calls a tool like {@link callTool} and returns what a generated module returns: the parsed data
   * ({@link toolResultData}). A result that does not match the tool's `inferredOutputSchema` is still
   * returned; the mismatch is logged as a warning and passed to `options.onWarning`.
   */
  async callToolData(
    server: string,
    tool: string,
    args: Record<string, unknown> = {},
    options: CallToolOptions & { onWarning?: (message: string) => void } = {},
  ): Promise<unknown> {
    const data = toolResultData(await this.callTool(server, tool, args, options));
    for (const warning of this.checkToolResult(server, tool, data)) {
      this.logger.warn({ server, tool }, warning);
      options.onWarning?.(warning);
    }
    return data;
  }

  /**
   * Checks a tool's parsed result against the `inferredOutputSchema` in its server YAML (a tool that
   * declares an `outputSchema` is checked by the MCP SDK instead). Returns warnings, empty when it
   * matches or there is nothing to check against; never throws for the data.
   */
  checkToolResult(server: string, tool: string, data: unknown): string[] {
    let snapshot;
    try {
      snapshot = this.server(server).tools?.find((t) => t.name === tool);
    } catch {
      return [];
    }
    const schema = snapshot?.outputSchema === undefined ? snapshot?.inferredOutputSchema : undefined;
    if (schema === undefined) return [];
    const problems = validateAgainstSchema(schema, data);
    if (problems.length === 0) return [];
    const shown = problems.slice(0, 5).map((p) => p.replace(/^\(arguments\)/, '(result)'));
    return [
      `${server}/${tool} returned a result that does not match its inferred type (${shown.join('; ')}${problems.length > shown.length ? `; ${problems.length - shown.length} more` : ''}); ` +
        `it is returned as it came. Run \`magsag codegen --sample ${server}\` to infer the type again.`,
    ];
  }

  /**
   * The effective approval policy of a tool: the server YAML's `approvals:`, else the project's,
   * else what the tool's annotations imply (from the YAML snapshot when it has the tool, else from
   * the server's live list), else what its name implies.
   */
  async toolPolicy(server: string, tool: string, options: { signal?: AbortSignal } = {}): Promise<ToolPolicyInfo> {
    // A call that would fail anyway (no such server, a disabled one, a tool it lacks or that
    // allowTools/denyTools exclude) fails here, before anyone is asked about it.
    const config = this.enabledServer(server);
    if (!this.isToolAllowed(config, tool)) {
      throw new MagsagError('TOOL_DENIED', `Tool ${server}/${tool} is not allowed by allowTools/denyTools in ${config.file}.`, { data: { server, tool } });
    }
    let annotations = config.tools?.find((t) => t.name === tool)?.annotations;
    if (annotations === undefined && !config.tools?.some((t) => t.name === tool)) {
      try {
        annotations = (await this.findTool(config, tool, options.signal)).annotations as Record<string, unknown> | undefined;
      } catch (error) {
        if (isMagsagError(error) && error.code === 'TOOL_NOT_FOUND') throw error;
        // Unreachable: the name decides; the call itself reports what is wrong.
      }
    }
    const project = this.projectApprovals();
    return resolveToolPolicy({
      server,
      tool: { name: tool, annotations },
      serverRules: config.approvals,
      serverFile: config.file,
      projectRules: project?.rules,
      projectFile: project?.file,
    });
  }

  // The options' approval defaults; a client that found its servers through the project reads them there.
  private projectApprovals(): McpClientOptions['approvals'] {
    if (this.options.approvals || this.options.servers || this.options.serversDir) return this.options.approvals;
    this.foundApprovals ??= (() => {
      const paths = resolveProjectPaths({ env: this.options.env ?? process.env });
      return { rules: paths.approvals, file: paths.configFile };
    })();
    return this.foundApprovals;
  }

  private async findTool(config: ServerConfig, tool: string, signal?: AbortSignal): Promise<Tool> {
    const opts = signal ? { signal } : {};
    let tools = await this.listTools(config.id, opts);
    let found = tools.find((t) => t.name === tool);
    if (!found && !this.isConnected(config.id)) {
      // The disk cache may predate a server upgrade: ask the server itself before giving up.
      tools = await this.listTools(config.id, { ...opts, refresh: true });
      found = tools.find((t) => t.name === tool);
    }
    if (found) return found;
    throw new MagsagError(
      'TOOL_NOT_FOUND',
      `Server "${config.id}" has no tool "${tool}".` +
        didYouMean(
          tool,
          tools.map((t) => t.name),
        ) +
        ` Run \`magsag tools search ${tool}\` or read servers/${config.id}/README.md.`,
      { data: { server: config.id, tool } },
    );
  }

  private callError(connection: ServerConnection, config: ServerConfig, label: string, error: unknown, signal: AbortSignal | undefined, timeoutMs: number): MagsagError {
    if (isMagsagError(error)) return error;
    const data = { server: config.id, tool: label };
    if (signal?.aborted) {
      return new MagsagError('TOOL_CANCELLED', `Call to ${label} was cancelled.`, { cause: error, data });
    }
    const kind = mcpErrorKind(error);
    if (kind !== undefined) {
      const mcpMessage = (error as Error).message;
      if (kind === 'timeout') {
        return new MagsagError(
          'TOOL_TIMEOUT',
          `Call to ${label} did not finish within ${timeoutMs} ms. Pass a larger timeout or raise timeouts.callMs in ${config.file}.`,
          { cause: error, data: { ...data, timeoutMs } },
        );
      }
      if (kind === 'closed') {
        connection.markDead();
        return new MagsagError(
          'SERVER_CRASHED',
          `Server "${config.id}" closed the connection during ${label}.${connection.stderrNote()} ` +
            'The call was not retried (it may have had side effects); the next call restarts the server.',
          { cause: error, data },
        );
      }
      if (kind === 'invalidParams') {
        return new MagsagError('TOOL_INPUT_INVALID', `Server "${config.id}" rejected the arguments of ${label}: ${mcpMessage}`, { cause: error, data });
      }
      return new MagsagError('TOOL_ERROR', `Server "${config.id}" answered ${label} with an error: ${mcpMessage}`, { cause: error, data });
    }
    connection.markDead();
    const message = error instanceof Error ? error.message : String(error);
    return new MagsagError('TRANSPORT_ERROR', `Transport to server "${config.id}" failed during ${label}: ${message}`, { cause: error, data });
  }

  /** Ends every connection and server process. The client cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}

/**
 * A signal for one SDK request, following `parent`. The SDK's `Protocol.request` adds an 'abort'
 * listener to the signal it is given and never removes it, so handing it a run's long-lived signal
 * leaks one listener per call (a MaxListenersExceededWarning after some hundred calls). The SDK gets
 * a signal of its own instead, and our one listener on `parent` is removed by `dispose()`.
 */
function requestSignal(parent: AbortSignal | undefined): { signal: AbortSignal | undefined; dispose: () => void } {
  if (!parent) return { signal: undefined, dispose: () => {} };
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, dispose: () => {} };
  }
  const onAbort = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose: () => parent.removeEventListener('abort', onAbort) };
}
