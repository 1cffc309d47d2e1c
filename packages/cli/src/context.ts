import { type Logger } from '@magsag/core';
import { McpClient, resolveProjectPaths, type ProjectPaths } from '@magsag/mcp-client';
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
  readonly paths: ProjectPaths;

  constructor(readonly options: GlobalOptions) {
    this.paths = resolveProjectPaths(options.serversDir ? { serversDir: options.serversDir } : {});
  }

  /** The generated modules folder: `<project>/servers`. */
  get generatedDir(): string {
    return path.join(this.paths.root, 'servers');
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

  /** Ends every server process the command started. */
  async close(): Promise<void> {
    await this.clientInstance?.close();
  }
}
