import { MagsagError, version, type Logger } from '@magsag/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { defaultTimeouts, type ServerConfig, type TransportConfig } from './config/schema.ts';
import type * as Sdk from './sdk.ts';

const STDERR_TAIL_CHARS = 2000;

// The MCP SDK loads with the first connection: reading server YAML and tool caches (`magsag servers
// list`, codegen) never pays for its start-up.
let sdk: typeof Sdk | undefined;

async function loadSdk(): Promise<typeof Sdk> {
  sdk ??= await import('./sdk.ts');
  return sdk;
}

/**
 * What kind of SDK `McpError` `error` is, or undefined for any other error (an McpError can only
 * exist once a connection loaded the SDK).
 */
export function mcpErrorKind(error: unknown): 'timeout' | 'closed' | 'invalidParams' | 'other' | undefined {
  if (!sdk || !(error instanceof sdk.McpError)) return undefined;
  if (error.code === sdk.ErrorCode.RequestTimeout) return 'timeout';
  if (error.code === sdk.ErrorCode.ConnectionClosed) return 'closed';
  if (error.code === sdk.ErrorCode.InvalidParams) return 'invalidParams';
  return 'other';
}

function killIfTracked(transport: Transport | undefined): void {
  if (sdk && transport instanceof sdk.TrackedStdioTransport) transport.killIfAlive();
}

const clientInfo = { name: 'magsag', version };

/** Describes a transport for logs and errors without its env values, headers or arguments. */
export function describeTransport(transport: TransportConfig): string {
  return transport.type === 'stdio' ? `stdio "${transport.command}"` : `${transport.type} ${new URL(transport.url).origin}`;
}

/**
 * One server's live connection: connects lazily on {@link get}, notices when the server dies,
 * restarts it at most `maxRestarts` times in a row (a successful call resets the count), and
 * keeps the tail of its stderr for error messages.
 */
export class ServerConnection {
  private client: Client | undefined;
  private transport: Transport | undefined;
  private connecting: Promise<Client> | undefined;
  private dead = false;
  private closed = false;
  private restartsInARow = 0;
  private stderrTail = '';
  private protocolErrors: string[] = [];
  /** The transport that connected (the main one or a fallback). */
  connectedVia: TransportConfig | undefined;

  constructor(
    readonly config: ServerConfig,
    private readonly logger: Logger,
    private readonly maxRestarts: number,
  ) {}

  /** The connected SDK client, connecting or restarting first when needed. */
  async get(): Promise<Client> {
    if (this.closed) throw new MagsagError('SERVER_CRASHED', `Server "${this.config.id}": the client was closed. Create a new client.`);
    if (this.client && !this.dead) return this.client;
    if (this.connecting) return this.connecting;
    if (this.dead) {
      if (this.restartsInARow >= this.maxRestarts) {
        throw new MagsagError(
          'SERVER_CRASHED',
          `Server "${this.config.id}" died again after ${this.restartsInARow} restart${this.restartsInARow === 1 ? '' : 's'}; not restarting it.` +
            `${this.stderrNote()} Fix the server (see its stderr above) and run again.`,
          { data: { server: this.config.id, restarts: this.restartsInARow } },
        );
      }
      this.restartsInARow++;
      this.logger.warn({ server: this.config.id, restart: this.restartsInARow }, 'server died; restarting it');
    }
    this.connecting = this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Call after a request succeeded: the server is healthy again. */
  markHealthy(): void {
    this.restartsInARow = 0;
  }

  /** Marks the connection unusable (transport failure) so the next {@link get} reconnects. */
  markDead(): void {
    this.dead = true;
  }

  /** A sentence with the last lines the server wrote to stderr, or nothing. */
  stderrNote(): string {
    const tail = this.stderrTail.trim();
    return tail ? ` Its last stderr output: ${JSON.stringify(tail.slice(-500))}.` : '';
  }

  private async connect(): Promise<Client> {
    const candidates = [this.config.transport, ...this.config.fallback];
    const failures: MagsagError[] = [];
    for (const candidate of candidates) {
      try {
        const client = await this.connectOne(candidate);
        this.connectedVia = candidate;
        return client;
      } catch (error) {
        const wrapped = error instanceof MagsagError ? error : this.connectError(candidate, error);
        failures.push(wrapped);
        if (candidates.length > 1) this.logger.warn({ server: this.config.id, transport: describeTransport(candidate), code: wrapped.code }, 'transport failed; trying the next one');
      }
    }
    if (failures.length === 1) throw failures[0]!;
    throw new MagsagError(
      failures[0]!.code,
      `Server "${this.config.id}": every transport failed:\n${failures.map((f, i) => `  ${i + 1}. ${f.message}`).join('\n')}`,
      { cause: failures[0], data: { server: this.config.id, file: this.config.file } },
    );
  }

  private async connectOne(candidate: TransportConfig): Promise<Client> {
    this.stderrTail = '';
    this.protocolErrors = [];
    const loaded = await loadSdk();
    const transport = this.createTransport(candidate, loaded);
    // Known before initialize finishes, so close() can end a server that is still starting.
    this.transport = transport;
    const client = new loaded.Client(clientInfo, { capabilities: {} });
    client.onerror = (error) => {
      // Non-JSON lines on a stdio server's stdout arrive here; keep them for the error message.
      if (this.protocolErrors.length < 3) this.protocolErrors.push(error.message.slice(0, 200));
      this.logger.debug({ server: this.config.id, err: error.message }, 'transport error');
    };
    client.onclose = () => {
      if (this.client === client) {
        this.dead = true;
        this.logger.debug({ server: this.config.id }, 'connection closed');
      }
    };
    const connectMs = this.config.timeouts.connectMs ?? defaultTimeouts.connectMs;
    const started = Date.now();
    this.logger.debug({ server: this.config.id, transport: describeTransport(candidate) }, 'connecting');
    try {
      await client.connect(transport, { timeout: connectMs });
    } catch (error) {
      // A server that failed initialize gets no graceful shutdown: it may ignore stdin closing.
      killIfTracked(transport);
      await transport.close().catch(() => {});
      throw this.connectError(candidate, error, connectMs);
    }
    this.client = client;
    this.transport = transport;
    this.dead = false;
    this.logger.info({ server: this.config.id, transport: describeTransport(candidate), ms: Date.now() - started }, 'connected');
    return client;
  }

  private createTransport(candidate: TransportConfig, loaded: typeof Sdk): Transport {
    if (candidate.type === 'stdio') {
      const transport = new loaded.TrackedStdioTransport({
        command: candidate.command,
        args: candidate.args,
        env: candidate.env,
        ...(candidate.cwd === undefined ? {} : { cwd: candidate.cwd }),
        stderr: 'pipe',
      });
      transport.stderr?.on('data', (chunk: Buffer) => {
        this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
      });
      return transport;
    }
    const requestInit = { headers: candidate.headers };
    return candidate.type === 'http'
      ? new loaded.StreamableHTTPClientTransport(new URL(candidate.url), { requestInit })
      : new loaded.SSEClientTransport(new URL(candidate.url), { requestInit });
  }

  private connectError(candidate: TransportConfig, error: unknown, connectMs?: number): MagsagError {
    const where = `Server "${this.config.id}" (${this.config.file}, ${describeTransport(candidate)})`;
    const data = { server: this.config.id, file: this.config.file, transport: candidate.type };
    const garbage = this.protocolErrors.length
      ? ` It wrote non-JSON-RPC output on stdout (${this.protocolErrors[0]}); an MCP stdio server must write only protocol messages to stdout and its logs to stderr.`
      : '';
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (candidate.type === 'stdio' && (code === 'ENOENT' || code === 'EACCES')) {
      return new MagsagError(
        'SERVER_START_FAILED',
        `${where}: cannot run command "${candidate.command}" (${code === 'ENOENT' ? 'not found' : 'permission denied'}). ` +
          'Install it or fix transport.command in the YAML.',
        { cause: error, data },
      );
    }
    if (mcpErrorKind(error) === 'timeout') {
      return new MagsagError(
        'SERVER_CONNECT_TIMEOUT',
        `${where} did not answer initialize within ${connectMs ?? defaultTimeouts.connectMs} ms.${garbage}${this.stderrNote()} ` +
          'Check that the command starts an MCP server, or raise timeouts.connectMs in the YAML.',
        { cause: error, data },
      );
    }
    if (mcpErrorKind(error) === 'closed') {
      return new MagsagError(
        'SERVER_START_FAILED',
        `${where} exited before it finished initialize.${garbage}${this.stderrNote()} Run the command by hand to see why it stops.`,
        { cause: error, data },
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    return new MagsagError('SERVER_START_FAILED', `${where}: could not connect: ${message}.${garbage}${this.stderrNote()}`, {
      cause: error,
      data,
    });
  }

  /** Ends the connection and, for stdio, the server process. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.connecting;
    if (pending) {
      // Do not wait out a slow initialize: ending the transport makes the pending connect fail now.
      const starting = this.transport;
      killIfTracked(starting);
      await starting?.close().catch(() => {});
      await pending.catch(() => {});
    }
    const client = this.client;
    const transport = this.transport;
    this.client = undefined;
    this.transport = undefined;
    // The SDK closes stdin, waits, then sends SIGTERM; a server that survives all that is killed.
    if (client) await client.close().catch(() => {});
    else if (transport) await transport.close().catch(() => {});
    killIfTracked(transport);
  }
}
