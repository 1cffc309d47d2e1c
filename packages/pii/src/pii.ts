import path from 'node:path';
import { type Logger, MagsagError, assertWorkspaceId, silentLogger } from '@magsag/core';
import { type ApprovalAuditEntry, type AuditEvent, AuditLog, appendApprovalAudit, auditDir } from './audit.ts';
import type { PiiStore, PiiVaultRows } from './store.ts';
import { RowVault, indexKey, keyCheck } from './vault/rows.ts';
import { type FlowPolicy, type PiiConfig, type PiiConfigInput, detectorOptionsFor, parseFlowPolicy, parsePiiConfig } from './config.ts';
import { type Detector, createDetector } from './detect/detector.ts';
import { type MaskTextResult, type Masker, createMasker, maskText } from './masker.ts';
import { inputOrigin, untokenizeArgs } from './policy.ts';
import { type PiiToolResult, tokenizeText, tokenizeToolResultAsync, tokenizeValue } from './tokenize.ts';
import { type VaultKey, resolveVaultKey, vaultKeyEnv } from './vault/key.ts';
import { PiiVault } from './vault/vault.ts';

/** The per-call context (structurally the `RunContext` of `@magsag/core`). */
export interface ToolCallContext {
  runId?: string;
  workspaceId?: string;
  [key: string]: unknown;
}

/** A tool call on its way to a server (structurally `ToolCall` of `@magsag/mcp-client`). */
export interface ToolCall {
  server: string;
  tool: string;
  args: Record<string, unknown>;
  context: ToolCallContext;
}

/** A tool result (structurally `ToolCallResult` of `@magsag/mcp-client`). */
export interface ToolCallResult {
  content: unknown[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** The client's middleware hook, declared here so this package does not depend on the client. */
export interface ToolCallMiddleware {
  name: string;
  beforeCall?(call: ToolCall): Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
  afterCall?(result: ToolCallResult, call: ToolCall): Promise<ToolCallResult | void> | ToolCallResult | void;
  onError?(error: MagsagError, call: ToolCall): Promise<MagsagError | void> | MagsagError | void;
}

/**
 * The PII middleware. `afterCall` is generic so the object is assignable to any client whose
 * result type extends {@link ToolCallResult} (the client's content blocks stay its own type).
 */
export interface PiiMiddleware {
  name: 'pii';
  /** Synchronous, except with a PostgreSQL store (which it reads first). */
  beforeCall(call: ToolCall): Record<string, unknown> | void | Promise<Record<string, unknown> | void>;
  /** Tokenizes a result; detection in long texts runs on the detection thread. */
  afterCall<R extends ToolCallResult>(result: R, call: ToolCall): Promise<R | void>;
  /** Tokenizes a failed call's error (a JSON-RPC error message, a crashed server's stderr) as that server's output. */
  onError(error: MagsagError, call: ToolCall): MagsagError | void | Promise<MagsagError | void>;
}

/** A server's PII settings, as found in its YAML (the client's `ServerConfig` fits). */
export interface PiiServerConfig {
  id: string;
  /** The YAML file, named in configuration errors. */
  file?: string;
  /** The `pii` key (validated here). */
  pii?: unknown;
  /** The `flows` key (validated here). */
  flows?: unknown;
}

/** Options for {@link createPii}. */
export interface PiiOptions {
  /** The project state folder (`.magsag`): key file, workspaces, audit. */
  stateDir: string;
  /** Every configured server's `pii` and `flows` keys. */
  servers?: Iterable<PiiServerConfig>;
  /** A `pii` block applied to every server before its own. */
  defaults?: PiiConfigInput;
  /** @default process.env */
  env?: Record<string, string | undefined>;
  /** The key to use; otherwise `MAGSAG_VAULT_KEY`, else the key file. */
  key?: VaultKey;
  /** @default `<stateDir>/vault.key` */
  keyFile?: string;
  /**
   * The vault file of a workspace.
   * @default `<stateDir>/workspaces/<workspaceId>/pii-vault.enc`
   */
  vaultFile?: string | ((workspaceId: string) => string);
  /**
   * Record every tokenize/untokenize in `<stateDir>/audit/<runId>.jsonl`.
   * @default true
   */
  audit?: boolean;
  /**
   * The store (`@magsag/store`'s `Store`, opened by the CLI). A local one changes nothing (the
   * files above). A PostgreSQL one keeps each workspace's vault as sealed rows and the audit as
   * rows: the key must then come from `MAGSAG_VAULT_KEY` (or `key`), never a key file, and must
   * match the key check in the store ({@link Pii.ready}).
   */
  store?: PiiStore;
  /** @default silentLogger */
  logger?: Logger;
}

/** How many times a tool result is tokenized again when another replica stored values meanwhile. */
const maxRounds = 4;

/** The run id audit events of calls without one are filed under. */
export const noRunId = 'no-run';

/** The default vault file of a workspace. */
export function defaultVaultFile(stateDir: string, workspaceId: string): string {
  return path.join(stateDir, 'workspaces', assertWorkspaceId(workspaceId), 'pii-vault.enc');
}

/**
 * PII for one project: a detector per server, a vault per workspace (calls without a workspace
 * share one in-memory vault), flow policies, the audit log, the middleware and the maskers.
 */
export class Pii {
  readonly options: PiiOptions;
  /** Flow policies by origin server id. */
  readonly policies = new Map<string, FlowPolicy>();
  readonly middleware: PiiMiddleware;
  readonly #configs = new Map<string, PiiConfig>();
  readonly #defaults: PiiConfig | undefined;
  readonly #detectors = new Map<string, Detector>();
  readonly #vaults = new Map<string, PiiVault>();
  readonly #memoryVault = PiiVault.memory();
  /** Calls per run, server and tool, for `pii.maxQueryCalls` (the oldest runs are forgotten first). */
  readonly #queryCalls = new Map<string, number>();
  #staticDetector: Detector | undefined;
  readonly #logger: Logger;
  #key: VaultKey | undefined;
  #audit: AuditLog | undefined;
  /** The PostgreSQL vault, when the store is one. */
  readonly #rows: PiiVaultRows | undefined;
  readonly #rowVaults = new Map<string, RowVault>();
  #indexKey: Buffer | undefined;
  #ready: Promise<void> | undefined;

  constructor(options: PiiOptions) {
    this.options = options;
    this.#logger = (options.logger ?? silentLogger).child({ component: 'pii' });
    this.#key = options.key;
    const store = options.store;
    if (store !== undefined && store.vault.kind === 'rows') {
      this.#rows = store.vault;
      if (this.#key === undefined) {
        const env = options.env ?? process.env;
        if (env[vaultKeyEnv] === undefined || env[vaultKeyEnv] === '') {
          throw new MagsagError(
            'PII_VAULT_KEY',
            `${vaultKeyEnv} is not set, and the store is PostgreSQL (${store.where}): every replica must seal and open the PII vault and the audit log with the same key, so a key file made by one replica is not used. Set ${vaultKeyEnv} to the deployment's key (64 hex characters; \`openssl rand -hex 32\` makes one) on every replica.`,
            { data: { store: store.where, variable: vaultKeyEnv } },
          );
        }
        // The variable only: never a key file beside a shared store.
        this.#key = resolveVaultKey({ env, create: false });
      }
    }
    this.#defaults = options.defaults === undefined ? undefined : parsePiiConfig(options.defaults, 'the PII defaults');
    for (const server of options.servers ?? []) {
      const source = server.file ?? `server ${server.id}`;
      this.#configs.set(server.id, parsePiiConfig(server.pii, source));
      this.policies.set(server.id, parseFlowPolicy(server.flows, source));
    }
    // Build detectors now so a bad custom rule fails at startup, not on the first call.
    for (const id of this.#configs.keys()) this.detector(id);
    this.middleware = {
      name: 'pii',
      beforeCall: (call) => (this.#rows === undefined ? this.#beforeCall(call) : this.#beforeCallStored(call)),
      afterCall: <R extends ToolCallResult>(result: R, call: ToolCall): Promise<R | void> => this.#afterCall(result, call),
      onError: (error, call) => (this.#rows === undefined ? this.#onError(error, call) : this.#onErrorStored(error, call)),
    };
  }

  /** The vault key (resolved, and the key file created, on first use). */
  key(): VaultKey {
    this.#key ??= resolveVaultKey({ stateDir: this.options.stateDir, keyFile: this.options.keyFile, env: this.options.env });
    return this.#key;
  }

  /** True when the vault and the audit live in PostgreSQL (rows) rather than the state folder. */
  get shared(): boolean {
    return this.#rows !== undefined;
  }

  /**
   * Checks the key against the store (PostgreSQL): the first replica writes the key check, and a
   * replica with another key is refused (`PII_VAULT_KEY`) before it writes a row nobody else could
   * open. Resolves at once for the local backend. Every operation on the store awaits it; call it at
   * start-up to fail there.
   */
  ready(): Promise<void> {
    const rows = this.#rows;
    if (rows === undefined) return Promise.resolve();
    this.#ready ??= (async () => {
      const key = this.key();
      if (!(await rows.checkKey('vault', keyCheck(key)))) {
        throw new MagsagError(
          'PII_VAULT_KEY',
          `The vault key from ${key.source} is not the key of the store at ${this.options.store!.where}: its key check (magsag_keys) was written with another key, so this replica could not read the placeholders of the others nor they its own. Set ${vaultKeyEnv} to the key the other replicas use.`,
          { data: { store: this.options.store!.where, keySource: key.source } },
        );
      }
    })();
    // A failed check (the database down) is tried again on the next call.
    this.#ready.catch(() => (this.#ready = undefined));
    return this.#ready;
  }

  #rowVault(workspaceId: string): RowVault {
    assertWorkspaceId(workspaceId);
    let vault = this.#rowVaults.get(workspaceId);
    if (!vault) {
      this.#indexKey ??= indexKey(this.key());
      vault = new RowVault(workspaceId, this.#rows!, this.key(), this.#indexKey);
      this.#rowVaults.set(workspaceId, vault);
    }
    return vault;
  }

  /**
   * Brings a workspace's vault up to date with the store (PostgreSQL: the rows other replicas
   * wrote since the last look; the local backend: nothing to do, the file is read on use). Call it
   * before a synchronous use of {@link vault}, {@link masker} or {@link maskText}.
   */
  async syncVault(workspaceId: string): Promise<void> {
    if (this.#rows === undefined) return;
    await this.ready();
    const vault = this.#rowVault(workspaceId);
    await vault.run(() => vault.pull());
  }

  /**
   * PostgreSQL: runs `tokenize` against the workspace's vault until every new value it made is
   * stored under the placeholder it gave (another replica storing values in between makes it load
   * them and tokenize again, from the same input).
   */
  async #tokenizeStored<T>(workspaceId: string, tokenize: (vault: PiiVault) => T | Promise<T>): Promise<T> {
    await this.ready();
    const row = this.#rowVault(workspaceId);
    return row.run(async () => {
      for (let round = 1; ; round++) {
        await row.pull();
        const out = await tokenize(row.vault);
        if (await row.push()) return out;
        if (round >= maxRounds) {
          throw new MagsagError(
            'STORE_UNAVAILABLE',
            `Could not store new values in the PII vault of workspace ${workspaceId} at ${this.options.store!.where}: other replicas stored values in it ${maxRounds} times while this one tokenized. Try again.`,
            { data: { store: this.options.store!.where, workspaceId, retryable: true } },
          );
        }
        this.#logger.debug({ workspaceId, round }, 'another replica stored vault values meanwhile; tokenizing again');
      }
    });
  }

  /** The detector for results of `server` (built-ins plus the server's `pii` key). */
  detector(server?: string): Detector {
    const id = server ?? '';
    let detector = this.#detectors.get(id);
    if (!detector) {
      const config = (server === undefined ? undefined : this.#configs.get(server)) ?? parsePiiConfig(undefined);
      detector = createDetector(detectorOptionsFor(config, this.#defaults));
      this.#detectors.set(id, detector);
    }
    return detector;
  }

  /** The vault of a workspace, loaded on first use; without a workspace, the in-memory vault. */
  vault(workspaceId?: string): PiiVault {
    if (workspaceId === undefined) return this.#memoryVault;
    // Checked before the vault file's path is even built: an id is never a path.
    assertWorkspaceId(workspaceId);
    // PostgreSQL: the rows loaded so far (syncVault loads more).
    if (this.#rows !== undefined) return this.#rowVault(workspaceId).vault;
    let vault = this.#vaults.get(workspaceId);
    if (!vault) {
      const { vaultFile, stateDir, store } = this.options;
      const file =
        typeof vaultFile === 'function'
          ? vaultFile(workspaceId)
          : (vaultFile ?? (store !== undefined && store.vault.kind === 'file' ? store.vault.file(workspaceId) : defaultVaultFile(stateDir, workspaceId)));
      vault = PiiVault.open(file, this.key());
      this.#vaults.set(workspaceId, vault);
    } else {
      vault.reloadIfChanged();
    }
    return vault;
  }

  /** The second-guard masker for a workspace's model view: detectors plus the vault's raw values. */
  masker(workspaceId?: string): Masker {
    const vault = this.vault(workspaceId);
    return createMasker({ vault, detector: this.detector() });
  }

  /**
   * Records the run's own input in a workspace's vault under `magsag:input`: a skill's input (with
   * the field rules) and personal values written in the program's text (pattern rules only). Such
   * values may go to any server, and the masker hides them from the model like any other.
   */
  recordInput(workspaceId: string, input: { value?: unknown; program?: string }): void | Promise<void> {
    const record = (vault: PiiVault): void => {
      if (input.value !== undefined) tokenizeValue(input.value, { detector: this.detector(), vault, server: inputOrigin });
      if (input.program !== undefined) tokenizeText(input.program, { detector: this.#patternDetector(), vault, server: inputOrigin });
    };
    if (this.#rows !== undefined) return this.#tokenizeStored(workspaceId, record);
    const vault = this.vault(workspaceId);
    record(vault);
    vault.save();
  }

  #patternDetector(): Detector {
    this.#staticDetector ??= createDetector({ disable: ['field.personal', 'field.secret'] });
    return this.#staticDetector;
  }

  /** The validated `pii` key of a server (defaults for an unknown one). */
  config(server: string): PiiConfig {
    return this.#configs.get(server) ?? parsePiiConfig(undefined);
  }

  /**
   * A masker for answers that are not run output (tool search, tool sources, skill lists, errors of
   * `magsag serve`): the pattern rules only, and a fresh vault per text, so nothing one answer
   * contains changes the next (a schema's `"type": "string"` is no name).
   */
  staticMasker(): Masker {
    const detector = this.#patternDetector();
    return { mask: (text) => maskText(text, { detector }).masked };
  }

  /** Masks text with the workspace's vault (or a fresh one): what `magsag pii mask` prints. */
  maskText(text: string, options: { workspaceId?: string } = {}): MaskTextResult {
    const vault = options.workspaceId === undefined ? PiiVault.memory() : this.vault(options.workspaceId);
    return maskText(text, { vault, detector: this.detector() });
  }

  /** Writes approval outcomes to their runs' audit files (unless the audit is off). */
  recordApprovals(entries: readonly ApprovalAuditEntry[]): void | Promise<void> {
    if (this.options.audit === false) return;
    if (this.#rows !== undefined) {
      if (entries.length === 0) return;
      // Callers do not wait (the runner's onApproval): a failed write is logged, never unhandled.
      return this.options.store!.audit.append(entries).catch((error: unknown) => this.#logger.warn({ err: error }, 'approval outcomes could not be written to the audit log in the store'));
    }
    appendApprovalAudit(auditDir(this.options.stateDir), entries);
  }

  /** Writes every changed vault to disk (PostgreSQL: stores the values maskers added). */
  flush(): void | Promise<void> {
    if (this.#rows !== undefined) {
      return Promise.all([...this.#rowVaults.values()].map((row) => row.run(() => row.pull()))).then(() => {});
    }
    for (const vault of this.#vaults.values()) vault.save();
  }

  /** Appends tokenize/untokenize events: to the audit files, or sealed alike as store rows. */
  #appendAudit(events: readonly AuditEvent[]): void | Promise<void> {
    const log = this.#auditLog();
    if (log === undefined || events.length === 0) return;
    if (this.#rows !== undefined) return this.options.store!.audit.append(log.records(events));
    log.append(events);
  }

  #auditLog(): AuditLog | undefined {
    if (this.options.audit === false) return undefined;
    this.#audit ??= new AuditLog({ dir: auditDir(this.options.stateDir), key: this.key() });
    return this.#audit;
  }

  #countQueryCall(call: ToolCall, config: PiiConfig): void {
    if (config.maxQueryCalls === undefined) return;
    if (config.queryArgs.length > 0) {
      const names = new Set(config.queryArgs.map((name) => name.toLowerCase()));
      if (!Object.keys(call.args).some((key) => names.has(key.toLowerCase()))) return;
    }
    const key = `${call.context.runId ?? noRunId}\u0000${call.server}\u0000${call.tool}`;
    const count = (this.#queryCalls.get(key) ?? 0) + 1;
    if (count > config.maxQueryCalls) {
      throw new MagsagError(
        'PII_QUERY_LIMIT',
        `Refused call ${count} to ${call.server}.${call.tool} in this run: pii.maxQueryCalls in the YAML of ${call.server} allows ${config.maxQueryCalls} per run, so that its server-side filters cannot be used to guess values one call at a time. Fetch the records once and filter in the program.`,
        { data: { server: call.server, tool: call.tool, limit: config.maxQueryCalls } },
      );
    }
    this.#queryCalls.delete(key);
    this.#queryCalls.set(key, count);
    if (this.#queryCalls.size > 10_000) this.#queryCalls.delete(this.#queryCalls.keys().next().value!);
  }

  async #beforeCallStored(call: ToolCall): Promise<Record<string, unknown> | void> {
    if (call.context.workspaceId !== undefined) await this.syncVault(call.context.workspaceId);
    const { args, events } = this.#untokenize(call);
    await this.#appendAudit(events);
    return args;
  }

  #beforeCall(call: ToolCall): Record<string, unknown> | void {
    const { args, events } = this.#untokenize(call);
    this.#appendAudit(events);
    return args;
  }

  #untokenize(call: ToolCall): { args: Record<string, unknown> | undefined; events: AuditEvent[] } {
    const vault = this.vault(call.context.workspaceId);
    const config = this.config(call.server);
    this.#countQueryCall(call, config);
    const { args, events } = untokenizeArgs(call.args, {
      vault,
      destination: call.server,
      tool: call.tool,
      policies: this.policies,
      detector: this.detector(call.server),
      queryArgs: config.queryArgs,
      inputOrigin,
    });
    if (events.length === 0) return { args: undefined, events: [] };
    const audit: AuditEvent[] = events.map((event) => ({
        runId: call.context.runId ?? noRunId,
        workspaceId: call.context.workspaceId,
        server: call.server,
        tool: call.tool,
        kind: event.kind,
        placeholder: event.placeholder,
        direction: 'untokenize',
        origin: event.origin,
        count: event.count,
        value: event.value,
      }));
    this.#logger.debug({ server: call.server, tool: call.tool, untokenized: events.length }, 'placeholders resolved for a tool call');
    return { args, events: this.options.audit === false ? [] : audit };
  }

  async #afterCall<R extends ToolCallResult>(result: R, call: ToolCall): Promise<R | void> {
    const config = this.config(call.server);
    const workspaceId = call.context.workspaceId;
    const tokenize = (vault: PiiVault): ReturnType<typeof tokenizeToolResultAsync<R & PiiToolResult>> =>
      tokenizeToolResultAsync(result as R & PiiToolResult, {
        detector: this.detector(call.server),
        vault,
        server: call.server,
        source: config.source,
        blobs: config.blobs,
      });
    let vault: PiiVault;
    let tokenized: Awaited<ReturnType<typeof tokenize>>;
    if (this.#rows !== undefined && workspaceId !== undefined) {
      tokenized = await this.#tokenizeStored(workspaceId, tokenize);
      vault = this.vault(workspaceId);
    } else {
      vault = this.vault(workspaceId);
      tokenized = await tokenize(vault);
      vault.save();
    }
    const { result: next, findings } = tokenized;
    if (findings.length === 0) return undefined;
    const counts = new Map<string, { kind: string; count: number }>();
    for (const finding of findings) {
      const seen = counts.get(finding.placeholder);
      if (seen) seen.count++;
      else counts.set(finding.placeholder, { kind: finding.kind, count: 1 });
    }
    const events: AuditEvent[] = [...counts].map(([placeholder, { kind, count }]) => ({
      runId: call.context.runId ?? noRunId,
      workspaceId: call.context.workspaceId,
      server: call.server,
      tool: call.tool,
      kind,
      placeholder,
      direction: 'tokenize',
      count,
      value: vault.lookup(placeholder)?.value ?? '',
    }));
    await this.#appendAudit(events);
    this.#logger.debug({ server: call.server, tool: call.tool, tokenized: findings.length }, 'tool result tokenized');
    return next;
  }

  // An error is the server's output too: its message (a JSON-RPC error, stderr quoted in
  // SERVER_CRASHED) and data are tokenized; the cause, which may hold raw text, is dropped.
  #onError(error: MagsagError, call: ToolCall): MagsagError | void {
    if (error.code === 'PII_POLICY_VIOLATION' || error.code === 'PII_QUERY_LIMIT') return undefined;
    const vault = this.vault(call.context.workspaceId);
    const tokenized = this.#tokenizeError(error, call, vault);
    vault.save();
    return this.#maskedError(error, tokenized);
  }

  async #onErrorStored(error: MagsagError, call: ToolCall): Promise<MagsagError | void> {
    if (error.code === 'PII_POLICY_VIOLATION' || error.code === 'PII_QUERY_LIMIT') return undefined;
    const workspaceId = call.context.workspaceId;
    const tokenized = workspaceId === undefined ? this.#tokenizeError(error, call, this.vault()) : await this.#tokenizeStored(workspaceId, (vault) => this.#tokenizeError(error, call, vault));
    return this.#maskedError(error, tokenized);
  }

  #tokenizeError(error: MagsagError, call: ToolCall, vault: PiiVault): ReturnType<typeof tokenizeValue> {
    const config = this.config(call.server);
    const options = { detector: this.detector(call.server), vault, server: call.server, source: config.source };
    return tokenizeValue({ message: error.message, data: error.data ?? null }, options);
  }

  #maskedError(error: MagsagError, { value, findings }: ReturnType<typeof tokenizeValue>): MagsagError | void {
    if (findings.length === 0 && error.cause === undefined) return undefined;
    const masked = value as { message: string; data: Record<string, unknown> | null };
    return new MagsagError(error.code, masked.message, masked.data === null ? {} : { data: masked.data });
  }
}

/** Builds the project's {@link Pii}: middleware, vaults, maskers, policies. */
export function createPii(options: PiiOptions): Pii {
  return new Pii(options);
}

/** Just the middleware (`createPii(options).middleware`). */
export function createPiiMiddleware(options: PiiOptions): PiiMiddleware {
  return createPii(options).middleware;
}
