import type { SandboxPool } from './host/sandboxPool.ts';
import { defaultWorkspaceQuota, type Store } from '@magsag/store';
import type { Logger, RunContext, RunLimits } from '@magsag/core';
import type { ToolCallResult } from '@magsag/mcp-client';
import type { ApprovalRecord, ApprovalRequest, Approver, ToolPolicyResolver } from './approvals.ts';

export { defaultLimits, maxLimits } from '@magsag/core';
export type { RunLimits } from '@magsag/core';

/** The largest program (source text, UTF-8 bytes) a run accepts, and the largest input (JSON bytes). */
export const maxProgramBytes = 512 * 1024;

/** How much one workspace may hold. */
export interface WorkspaceQuota {
  /** Total bytes of the files the program writes. @default 52428800 (50 MiB) */
  maxBytes: number;
  /** Number of files. @default 1000 */
  maxFiles: number;
}

/** The quota used when none is configured. */
export const defaultQuota: Readonly<WorkspaceQuota> = defaultWorkspaceQuota;

/** Which workspaces {@link cleanWorkspaces} keeps. */
export interface RetentionPolicy {
  /** Workspaces unused for longer than this are removed, in ms. @default 604800000 (7 days) */
  maxAgeMs: number;
  /** At most this many workspaces are kept, the most recently used first. @default 100 */
  maxCount: number;
}

/** The retention used when none is configured. */
export const defaultRetention: Readonly<RetentionPolicy> = Object.freeze({ maxAgeMs: 7 * 24 * 60 * 60 * 1000, maxCount: 100 });

/**
 * Hides sensitive text before it reaches the model. Every string of the model view passes through
 * `mask` once; the CLI plugs the PII package in here.
 */
export interface Masker {
  mask(text: string): string;
  /**
   * Finds what to mask in these texts ahead of {@link mask}, off the calling thread; a later `mask`
   * of the same text uses what was found. The runner calls it with the long texts of a run's output,
   * so that masking a large result does not hold the host's main thread. Optional.
   */
  prepare?(texts: readonly string[]): Promise<void>;
}

/** The masker that changes nothing: the default. */
export const identityMasker: Masker = Object.freeze({ mask: (text: string) => text });

/** Options the runner passes to every tool call. */
export interface ToolCallerOptions {
  /** Aborted when the run ends or is cancelled. */
  signal: AbortSignal;
  /** The run's context (run id, workspace id) for the client's middleware. */
  context: RunContext;
}

/**
 * How the runner calls a tool: usually `client.callTool.bind(client)` of an `McpClient`. It resolves
 * to the tool's result and throws (a `MagsagError`, ideally) when the call fails.
 */
export type ToolCaller = (server: string, tool: string, args: Record<string, unknown>, options: ToolCallerOptions) => Promise<ToolCallResult>;

/**
 * Checks a tool's parsed result against its inferred type: usually `client.checkToolResult.bind(client)`
 * of an `McpClient`. Returns warnings (empty when it matches); the run logs them and goes on.
 */
export type ResultChecker = (server: string, tool: string, data: unknown) => string[];

/** Settings shared by every run of a runner; each may be overridden per call. */
export interface RunnerConfig {
  /** The project root. @default the nearest folder holding a magsag.config.yaml above the working directory, else the working directory */
  root?: string;
  /** Where the generated modules live (`./servers/<id>/<tool>`). @default the project's `folders.modules` (`<root>/servers`) */
  serversDir?: string;
  /** Where skills live (`./skills/<name>`). @default the project's `folders.skills` (`<root>/skills`) */
  skillsDir?: string;
  /** State folder; workspaces go to `<stateDir>/workspaces`. @default MAGSAG_STATE_DIR, else the project's `folders.state` (`<root>/.magsag`) */
  stateDir?: string;
  /**
   * Where workspaces, their files, run records and run outputs live (`openStore` of
   * `@magsag/store`): PostgreSQL for `serve` replicas sharing state. The runner does not close it.
   * @default the local store of `stateDir` (the files MAGSAG has always written)
   */
  store?: Store;
  /** Calls a tool on the host. @default the default McpClient of @magsag/mcp-client */
  callTool?: ToolCaller;
  /**
   * Checks what generated modules return against each tool's `inferredOutputSchema`; a mismatch is a
   * warning in the run's logs. @default the default McpClient's `checkToolResult`, unless `callTool` is given (then none)
   */
  checkResult?: ResultChecker;
  /**
   * Sees every parsed result a generated module returns (after the client's middleware, so
   * PII-tokenized with the CLI's client): `--record-shapes` records its shape here. Errors are logged
   * and ignored. @default none
   */
  onToolData?: (server: string, tool: string, data: unknown) => void;
  /** Limits; missing ones come from {@link defaultLimits}. */
  limits?: Partial<RunLimits>;
  /** Workspace quota; missing fields come from {@link defaultQuota}. */
  quota?: Partial<WorkspaceQuota>;
  /** Type-check the program against the generated modules before it runs. @default true */
  typecheck?: boolean;
  /** Size cap of the model view, in bytes. @default 4096 */
  modelViewBytes?: number;
  /** Every model-visible string passes through it. @default identityMasker */
  masker?: Masker;
  /** Structured logger; the runner never prints. @default silent */
  logger?: Logger;
  /**
   * Where isolates run: `process` uses a pooled child process, so even a V8 out-of-memory abort
   * (which isolated-vm cannot always catch) only fails the run; `inline` runs them in this process,
   * a little faster, for trusted code. @default 'process'
   */
  isolation?: 'process' | 'inline';
  /** The sandbox processes runs take turns on (admission control). @default the process-wide pool */
  pool?: SandboxPool;
  /**
   * Each tool's approval policy (allow, approve, block). @default the default McpClient's
   * `toolPolicy`; with a `callTool` of your own and no resolver, a tool whose name reads as a write
   * needs approval
   */
  toolPolicy?: ToolPolicyResolver;
  /**
   * How long a call waits for a person's approval before it fails with `TOOL_APPROVAL_REQUIRED`, in
   * ms; the wait does not count against `wallMs`. @default 120000
   */
  approvalTimeoutMs?: number;
  /** Sees every approval outcome (the CLI writes them to the audit log). Errors are logged and ignored. */
  onApproval?: (record: ApprovalRecord, request: Omit<ApprovalRequest, 'signal'>) => void;
}

/** One run: the program and what differs from the runner's config. */
export interface ExecuteOptions extends RunnerConfig {
  /** The program's source text (TypeScript or JavaScript). Give this or `file`. */
  code?: string;
  /** A file to read the program from. */
  file?: string;
  /** The name errors and diagnostics use for the program. @default the file's base name, else "program.ts" */
  filename?: string;
  /** A JSON value handed to the default export when it is a function. */
  input?: unknown;
  /** Resume in this existing workspace instead of creating a new one. */
  workspace?: string;
  /** Create the workspace named by `workspace` when it does not exist yet. @default false */
  createWorkspace?: boolean;
  /**
   * The principal the run is for: a workspace owned by another is `WORKSPACE_NOT_FOUND`, and a
   * created one records it. @default no ownership check; created workspaces belong to `local`
   */
  owner?: string;
  /** Ends the run with `SANDBOX_CANCELLED`. */
  signal?: AbortSignal;
  /** Extra context for tool-call middleware; `runId` and `workspaceId` are always set by the runner. */
  context?: RunContext;
  /**
   * Asks a person before a call whose policy is `approve` goes out (per run, so a server can route
   * it to the right session). @default none: such calls fail with `TOOL_APPROVAL_REQUIRED`
   */
  approve?: Approver;
}

/** How deeply nested a tool result may be before it is refused (it could not be copied safely). */
export const maxToolResultDepth = 256;
