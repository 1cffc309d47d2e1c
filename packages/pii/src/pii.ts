import path from 'node:path';
import { type Logger, MagsagError, assertWorkspaceId, silentLogger } from '@magsag/core';
import { type ApprovalAuditEntry, type AuditEvent, AuditLog, appendApprovalAudit, auditDir } from './audit.ts';
import { type FlowPolicy, type PiiConfig, type PiiConfigInput, detectorOptionsFor, parseFlowPolicy, parsePiiConfig } from './config.ts';
import { type Detector, createDetector } from './detect/detector.ts';
import { type MaskTextResult, type Masker, createMasker, maskText } from './masker.ts';
import { inputOrigin, untokenizeArgs } from './policy.ts';
import { type PiiToolResult, tokenizeText, tokenizeToolResultAsync, tokenizeValue } from './tokenize.ts';
import { type VaultKey, resolveVaultKey } from './vault/key.ts';
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
  beforeCall(call: ToolCall): Record<string, unknown> | void;
  /** Tokenizes a result; detection in long texts runs on the detection thread. */
  afterCall<R extends ToolCallResult>(result: R, call: ToolCall): Promise<R | void>;
  /** Tokenizes a failed call's error (a JSON-RPC error message, a crashed server's stderr) as that server's output. */
  onError(error: MagsagError, call: ToolCall): MagsagError | void;
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
  /** @default silentLogger */
  logger?: Logger;
}

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

  constructor(options: PiiOptions) {
    this.options = options;
    this.#logger = (options.logger ?? silentLogger).child({ component: 'pii' });
    this.#key = options.key;
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
      beforeCall: (call) => this.#beforeCall(call),
      afterCall: <R extends ToolCallResult>(result: R, call: ToolCall): Promise<R | void> => this.#afterCall(result, call),
      onError: (error, call) => this.#onError(error, call),
    };
  }

  /** The vault key (resolved, and the key file created, on first use). */
  key(): VaultKey {
    this.#key ??= resolveVaultKey({ stateDir: this.options.stateDir, keyFile: this.options.keyFile, env: this.options.env });
    return this.#key;
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
    let vault = this.#vaults.get(workspaceId);
    if (!vault) {
      const { vaultFile, stateDir } = this.options;
      const file = typeof vaultFile === 'function' ? vaultFile(workspaceId) : (vaultFile ?? defaultVaultFile(stateDir, workspaceId));
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
  recordInput(workspaceId: string, input: { value?: unknown; program?: string }): void {
    const vault = this.vault(workspaceId);
    if (input.value !== undefined) tokenizeValue(input.value, { detector: this.detector(), vault, server: inputOrigin });
    if (input.program !== undefined) tokenizeText(input.program, { detector: this.#patternDetector(), vault, server: inputOrigin });
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
  recordApprovals(entries: readonly ApprovalAuditEntry[]): void {
    if (this.options.audit === false) return;
    appendApprovalAudit(auditDir(this.options.stateDir), entries);
  }

  /** Writes every changed vault to disk. */
  flush(): void {
    for (const vault of this.#vaults.values()) vault.save();
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

  #beforeCall(call: ToolCall): Record<string, unknown> | void {
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
    if (events.length === 0) return undefined;
    this.#auditLog()?.append(
      events.map((event) => ({
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
      })),
    );
    this.#logger.debug({ server: call.server, tool: call.tool, untokenized: events.length }, 'placeholders resolved for a tool call');
    return args;
  }

  async #afterCall<R extends ToolCallResult>(result: R, call: ToolCall): Promise<R | void> {
    const vault = this.vault(call.context.workspaceId);
    const config = this.config(call.server);
    const { result: next, findings } = await tokenizeToolResultAsync(result as R & PiiToolResult, {
      detector: this.detector(call.server),
      vault,
      server: call.server,
      source: config.source,
      blobs: config.blobs,
    });
    vault.save();
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
    this.#auditLog()?.append(events);
    this.#logger.debug({ server: call.server, tool: call.tool, tokenized: findings.length }, 'tool result tokenized');
    return next;
  }

  // An error is the server's output too: its message (a JSON-RPC error, stderr quoted in
  // SERVER_CRASHED) and data are tokenized; the cause, which may hold raw text, is dropped.
  #onError(error: MagsagError, call: ToolCall): MagsagError | void {
    if (error.code === 'PII_POLICY_VIOLATION' || error.code === 'PII_QUERY_LIMIT') return undefined;
    const vault = this.vault(call.context.workspaceId);
    const config = this.config(call.server);
    const options = { detector: this.detector(call.server), vault, server: call.server, source: config.source };
    const { value, findings } = tokenizeValue({ message: error.message, data: error.data ?? null }, options);
    vault.save();
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
