import { type Logger } from '@magsag/core';
import { McpClient, resolveProjectPaths, type ProjectPaths } from '@magsag/mcp-client';
import { createPii, type Pii } from '@magsag/pii';
import path from 'node:path';
import { pino } from 'pino';

/** Options every command accepts. */
export interface GlobalOptions {
  serversDir?: string;
  verbose?: boolean;
}

/** What a command needs from its surroundings, created on demand and closed at exit. */
export class CliContext {
  private clientInstance: McpClient | undefined;
  private loggerInstance: Logger | undefined;
  private piiInstance: Pii | undefined;
  private piiWired = false;
  private readonly closeHooks: (() => Promise<void>)[] = [];
  readonly paths: ProjectPaths;

  constructor(readonly options: GlobalOptions) {
    // Outside any project (an MCP client starting `pnpm --dir <magsag> magsag serve` from elsewhere),
    // fall back to the MAGSAG checkout this CLI belongs to.
    this.paths = resolveProjectPaths({ ...(options.serversDir ? { serversDir: options.serversDir } : {}), fallbackRoot: path.resolve(import.meta.dirname, '../../..') });
  }

  /** The generated modules folder: `<project>/servers`. */
  get generatedDir(): string {
    return path.join(this.paths.root, 'servers');
  }

  /** The skills folder: `<project>/skills`. */
  get skillsDir(): string {
    return path.join(this.paths.root, 'skills');
  }

  /** The one pino logger of the process: JSON lines on stderr, `warn` unless `--verbose`. */
  get logger(): Logger {
    this.loggerInstance ??= pino({ level: this.options.verbose ? 'debug' : 'warn', base: undefined }, pino.destination(2));
    return this.loggerInstance;
  }

  /** The MCP client, constructed on first use (which starts nothing). */
  get client(): McpClient {
    this.clientInstance ??= new McpClient({
      serversDir: this.paths.serversDir,
      cacheDir: `${this.paths.stateDir}/cache`,
      logger: this.logger,
    });
    return this.clientInstance;
  }

  /**
   * The PII layer for this project (detectors, per-workspace vaults, flow policies from each server's
   * YAML, audit). Created on first use; reads no key until a vault is needed.
   */
  get pii(): Pii {
    this.piiInstance ??= createPii({
      stateDir: this.paths.stateDir,
      servers: this.client.servers().map((s) => ({ id: s.id, file: s.file, ...(s.pii ? { pii: s.pii } : {}), ...(s.flows ? { flows: s.flows } : {}) })),
      logger: this.logger,
    });
    return this.piiInstance;
  }

  /**
   * The MCP client with the PII middleware on its call path: tool results are tokenized before
   * anything sees them, and placeholders in arguments are swapped back only where flows allow.
   */
  get maskedClient(): McpClient {
    if (!this.piiWired) {
      this.client.use(this.pii.middleware);
      this.piiWired = true;
    }
    return this.client;
  }

  /** Runs `hook` first when the context closes (a server cancelling its runs before the MCP servers go). */
  onClose(hook: () => Promise<void>): void {
    this.closeHooks.push(hook);
  }

  /** Ends every server process the command started, after the close hooks. */
  async close(): Promise<void> {
    for (const hook of this.closeHooks.splice(0)) await hook().catch(() => {});
    await this.clientInstance?.close();
    await this.piiInstance?.flush();
  }
}
