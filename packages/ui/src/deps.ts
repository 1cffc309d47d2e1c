import type { IncomingHttpHeaders } from 'node:http';

/** Why a request was refused by the Host/Origin guard, or `undefined` when it may go on. */
export type UiGuardVerdict = { status: number; reason: string } | undefined;

/** A type error of the program, positioned in it (the runner's `Diagnostic`). */
export interface UiDiagnostic {
  line: number;
  column: number;
  message: string;
  tsCode?: number;
}

/** One search hit as `search_tools` answers it (a tool or a skill). */
export type UiSearchHit = Record<string, unknown> & { kind: 'tool' | 'skill' };

/** One tool of the generated catalog. */
export interface UiTool {
  server: string;
  tool: string;
  function: string;
  summary: string;
  signature: string;
  policy?: string;
}

/** A skill of the catalog, with its SKILL.md text (rendered and sanitised by the page). */
export interface UiSkill {
  name: string;
  description: string;
  version: string;
  servers: string[];
  inputs: unknown;
  examples: { input: unknown; description?: string }[];
  markdown?: string;
}

/**
 * What the UI server needs from its host. The `magsag` CLI wires these to the same functions as
 * its commands (`servers list|test`, `tools search`, `exec`, `workspace`, `approvals`, `run`), so
 * the page sees what the terminal would.
 */
export interface UiDeps {
  /** The project folder: its name is shown, and `bench/results/*.json` is read under it. */
  root: string;
  /**
   * The Host/Origin guard for the bound address and port: the CLI passes `serve --http`'s own
   * `createTransportGuard`, so both servers refuse the same requests.
   */
  createGuard: (options: { host: string; port: number }) => (headers: IncomingHttpHeaders) => UiGuardVerdict;
  /** Every configured server: id, enabled, transport, description, cache, error. Starts nothing. */
  servers: () => Promise<unknown[]>;
  /** Starts (or connects to) one server and lists its tools: `{ server, ok, tools, ms, error }`. */
  testServer: (id: string) => Promise<unknown>;
  /** The generated catalog's tools. */
  tools: () => Promise<UiTool[]>;
  /** `search_tools`: the hits, as serve answers them. */
  search: (query: string, options: { detail: 'name' | 'summary' | 'full'; limit: number; server?: string }) => Promise<UiSearchHit[]>;
  /** Type errors of a program, from the runner's type-checker (the one `exec` uses). */
  typecheck: (code: string) => Promise<UiDiagnostic[]>;
  /** Runs a program like `magsag exec --json` (PII masker, store, approvals); `signal` cancels it. */
  run: (request: { code: string; signal: AbortSignal }) => Promise<unknown>;
  /** Runs a skill like `magsag run <name> --json`. */
  runSkill: (request: { name: string; input: unknown; signal: AbortSignal }) => Promise<unknown>;
  /** The workspaces of the store (`listWorkspacesIn`). */
  workspaces: () => Promise<{ id: string; updatedAt?: string }[]>;
  /** One workspace: its files and run records (`showWorkspaceIn`). */
  workspace: (id: string) => Promise<{ entries: unknown[]; runRecords: Record<string, unknown>[] } & Record<string, unknown>>;
  /** A run's stored (masked) output, its first page. */
  runOutput: (workspace: string, runId: string) => Promise<unknown>;
  /** The approval queue's entries, pending first. */
  approvals: () => Promise<unknown[]>;
  /** Approves or denies a pending request. */
  decideApproval: (id: string, approved: boolean) => Promise<unknown>;
  /** The skills, with SKILL.md and examples. */
  skills: () => Promise<UiSkill[]>;
}
