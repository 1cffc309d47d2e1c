import { MagsagError, type Logger } from '@magsag/core';
import type * as McpClientModule from '@magsag/mcp-client';
import type { McpClient } from '@magsag/mcp-client';
import { resolveProjectPaths, type ProjectPaths } from '@magsag/mcp-client/paths';
import type * as PiiModule from '@magsag/pii';
import type { Pii } from '@magsag/pii';
import type * as PinoModule from 'pino';
import type { StatementObserver, Store } from '@magsag/store';

// The MCP client and the PII layer load on demand (`loadClient()`, `loadPii()`): a command that
// only reads the generated catalog should not pay for YAML parsing, schemas or detectors.
let clientModule: typeof McpClientModule | undefined;
let pinoModule: typeof PinoModule | undefined;
let piiModule: typeof PiiModule | undefined;

/** Options every command accepts. */
export interface GlobalOptions {
  /** `--project` / `MAGSAG_PROJECT`: the project folder (or its magsag.config.yaml). */
  project?: string;
  serversDir?: string;
  stateDir?: string;
  /** `--store` / `MAGSAG_STORE_URL`: a PostgreSQL URL for shared state. */
  store?: string;
  verbose?: boolean;
  /** `human` (one readable line per log entry, the default) or `json` (pino's JSON lines). */
  logFormat?: 'human' | 'json';
}

const loggerReady = (): boolean => pinoModule !== undefined;

const levelNames: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Turns one of pino's JSON lines into `warn: <message> (code, file)` for a person reading stderr. */
export function humanLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = levelNames[Number(entry['level'])] ?? 'log';
  const where = [entry['code'], entry['server'], entry['component']].filter((v) => typeof v === 'string' && v !== '').join(', ');
  const err = entry['err'] as { message?: unknown } | undefined;
  const message = typeof entry['msg'] === 'string' ? entry['msg'] : '';
  const detail = err && typeof err.message === 'string' && !message.includes(err.message) ? `: ${err.message}` : '';
  return `${level}: ${message}${detail}${where ? ` (${where})` : ''}\n`;
}

/** What a command needs from its surroundings, created on demand and closed at exit. */
export class CliContext {
  private clientInstance: McpClient | undefined;
  private loggerInstance: Logger | undefined;
  private piiInstance: Pii | undefined;
  private piiWired = false;
  private readonly closeHooks: (() => Promise<void>)[] = [];

  private pathsInstance: ProjectPaths | undefined;
  private storePromise: Promise<Store> | undefined;
  private storeInstance: Store | undefined;
  private storeObserver: StatementObserver | undefined;

  constructor(readonly options: GlobalOptions) {}

  /**
   * The project's folders, resolved on first use: the nearest magsag.config.yaml above the working
   * directory unless --project names one; a flag beats the environment (commander merges the two),
   * which beats the config. A command that makes a project (`init`) never asks.
   */
  get paths(): ProjectPaths {
    this.pathsInstance ??= resolveProjectPaths({
      // An empty value (MAGSAG_SERVERS_DIR= in the environment) counts as not given.
      ...(this.options.project ? { project: this.options.project } : {}),
      ...(this.options.serversDir ? { serversDir: this.options.serversDir } : {}),
      ...(this.options.stateDir ? { stateDir: this.options.stateDir } : {}),
      ...(this.options.store ? { store: this.options.store } : {}),
    });
    return this.pathsInstance;
  }

  /** Uses these folders instead of the project's (`serve --mcp-config` serves a cache of its own). Only before first use. */
  usePaths(paths: ProjectPaths): void {
    if (this.clientInstance || this.piiInstance) throw new MagsagError('INTERNAL', 'CliContext.usePaths() after the client or the PII layer was created.');
    this.pathsInstance = paths;
  }

  /** The generated modules folder: the project's `folders.modules` (`<project>/servers`). */
  get generatedDir(): string {
    return this.paths.modulesDir;
  }

  /** The skills folder: the project's `folders.skills` (`<project>/skills`). */
  get skillsDir(): string {
    return this.paths.skillsDir;
  }

  /** The one pino logger of the process: readable lines on stderr (JSON with `--log-format json`), `warn` unless `--verbose`. */
  get logger(): Logger {
    if (!pinoModule) throw new MagsagError('INTERNAL', 'CliContext.logger was used before loadClient(); the command must await ctx.loadClient() first.');
    const { pino } = pinoModule;
    const destination = this.options.logFormat === 'json' ? pino.destination(2) : { write: (line: string) => void process.stderr.write(humanLogLine(line)) };
    this.loggerInstance ??= pino({ level: this.options.verbose ? 'debug' : 'warn', base: undefined }, destination);
    return this.loggerInstance;
  }

  /** The MCP client, constructed on first use (which starts nothing). */
  get client(): McpClient {
    if (!clientModule) throw new MagsagError('INTERNAL', 'CliContext.client was used before loadClient(); the command must await ctx.loadClient() first.');
    this.clientInstance ??= new clientModule.McpClient({
      serversDir: this.paths.serversDir,
      cacheDir: `${this.paths.stateDir}/cache`,
      logger: this.logger,
      approvals: { rules: this.paths.approvals, file: this.paths.configFile },
    });
    return this.clientInstance;
  }

  /**
   * The PII layer for this project (detectors, per-workspace vaults, flow policies from each server's
   * YAML, audit). Created on first use; reads no key until a vault is needed.
   */
  get pii(): Pii {
    if (!piiModule) throw new MagsagError('INTERNAL', 'CliContext.pii was used before loadPii(); the command must await ctx.loadPii() first.');
    this.piiInstance ??= piiModule.createPii({
      stateDir: this.paths.stateDir,
      ...(this.storeInstance ? { store: this.storeInstance } : {}),
      servers: this.client.servers().map((s) => ({ id: s.id, file: s.file, ...(s.pii ? { pii: s.pii } : {}), ...(s.flows ? { flows: s.flows } : {}) })),
      logger: this.logger,
    });
    return this.piiInstance;
  }

  /** Loads the MCP client's code, which {@link client} needs. */
  async loadClient(): Promise<McpClient> {
    [clientModule, pinoModule] = await Promise.all([clientModule ?? import('@magsag/mcp-client'), pinoModule ?? import('pino')]);
    return this.client;
  }

  /**
   * Loads the PII layer's code (and the client's), which {@link pii} and {@link maskedClient} need,
   * and opens the store its vault and audit live in.
   */
  async loadPii(): Promise<Pii> {
    [piiModule] = await Promise.all([piiModule ?? import('@magsag/pii'), this.loadClient()]);
    this.storeInstance ??= await this.store();
    return this.pii;
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

  /**
   * A new MCP client with a PII layer of its own (an empty in-memory vault), for `codegen --sample`:
   * what one server returns is then tokenized the same whatever other servers returned before. The
   * caller closes it.
   */
  async isolatedMaskedClient(): Promise<McpClient> {
    await this.loadPii();
    const client = new clientModule!.McpClient({ serversDir: this.paths.serversDir, cacheDir: `${this.paths.stateDir}/cache`, logger: this.logger, approvals: { rules: this.paths.approvals, file: this.paths.configFile } });
    const pii = piiModule!.createPii({
      stateDir: this.paths.stateDir,
      servers: client.servers().map((s) => ({ id: s.id, file: s.file, ...(s.pii ? { pii: s.pii } : {}), ...(s.flows ? { flows: s.flows } : {}) })),
      logger: this.logger,
    });
    return client.use(pii.middleware);
  }

  /**
   * The store, opened on first use: PostgreSQL when `--store`, MAGSAG_STORE_URL or the config's
   * `store.url` names one (its schema migrated, the keys checked), else the state folder.
   */
  store(): Promise<Store> {
    this.storePromise ??= import('@magsag/store').then(({ openStore }) =>
      openStore({
        stateDir: this.paths.stateDir,
        ...(this.paths.storeUrl ? { url: this.paths.storeUrl } : {}),
        ...(loggerReady() ? { logger: this.logger } : {}),
        ...(this.storeObserver ? { observe: this.storeObserver } : {}),
      }),
    );
    return this.storePromise;
  }

  /** Sees every SQL statement of the store (serve's metrics). Only before {@link store} is first used. */
  observeStore(observer: StatementObserver): void {
    if (this.storePromise) throw new MagsagError('INTERNAL', 'CliContext.observeStore() after the store was opened.');
    this.storeObserver = observer;
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
    if (this.storePromise) await (await this.storePromise.catch(() => undefined))?.close();
  }
}
