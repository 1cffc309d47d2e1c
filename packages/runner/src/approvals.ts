import type { ToolPolicyInfo } from '@magsag/mcp-client';

/**
 * Finds a tool's effective approval policy: usually `client.toolPolicy.bind(client)` of an
 * `McpClient` (the server YAML's `approvals:`, the project's, then the tool's annotations).
 */
export type ToolPolicyResolver = (server: string, tool: string) => ToolPolicyInfo | Promise<ToolPolicyInfo>;

/** One tool call waiting for a person's approval. */
export interface ApprovalCall {
  server: string;
  tool: string;
  /** The arguments as the program passed them, masked like the model view (placeholders stay). */
  arguments: Record<string, unknown>;
  /** SHA-256 (hex) of the masked arguments' JSON: what the audit log keeps. */
  argumentsHash: string;
  /** Why it needs approval: the tool's policy and where it came from. */
  reason: string;
}

/**
 * What an {@link Approver} is asked: one or more calls of one run, issued within 50 ms of each
 * other (a `Promise.all` over 20 deletes is asked once).
 */
export interface ApprovalRequest {
  /** Unique id of this request (`apr-…`): the pending queue and the audit log name it. */
  id: string;
  runId: string;
  workspaceId: string;
  calls: ApprovalCall[];
  /** When the run stops waiting (ISO time): the calls then fail with `TOOL_APPROVAL_REQUIRED`. */
  expiresAt: string;
  /** Aborted when the run stops waiting (timeout, cancellation, end of the run). */
  signal: AbortSignal;
}

/** A person's (or a flag's) answer. */
export interface ApprovalDecision {
  approved: boolean;
  /**
   * `calls`: these calls only; `tools`: these calls, and every later call of the same tools in
   * this run. @default 'calls'
   */
  scope?: 'calls' | 'tools';
  /** Who or what decided, for the audit log: `alice (elicitation)`, `local:root (terminal)`, `--yes`. */
  decidedBy: string;
  /** An optional word from the person, shown to the program when it denies. */
  note?: string;
}

/**
 * Asks a person. Resolves with the decision; rejecting (or the run's approval timeout passing)
 * fails the calls with `TOOL_APPROVAL_REQUIRED`. It should stop asking once `request.signal` aborts.
 */
export type Approver = (request: ApprovalRequest) => Promise<ApprovalDecision>;

/** What became of an approval request: one entry per request in the run's record and audit log. */
export interface ApprovalRecord {
  id: string;
  /** ISO times. */
  requestedAt: string;
  decidedAt: string;
  calls: { server: string; tool: string; argumentsHash: string }[];
  /**
   * `approved` / `denied` by a person or a flag; `blocked` by a `block` policy; `unanswered`
   * (nobody answered within approvalTimeoutMs, or there was nobody to ask); `cancelled` (the run
   * ended first).
   */
  outcome: 'approved' | 'denied' | 'blocked' | 'unanswered' | 'cancelled';
  /** Who or what decided: the decision's `decidedBy`, `policy` for blocked calls, `nobody` when unanswered. */
  decidedBy: string;
  scope?: 'calls' | 'tools';
  /** How long the run waited, in ms (not counted against its wall-clock limit). */
  waitedMs: number;
}
