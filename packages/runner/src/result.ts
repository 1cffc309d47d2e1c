import type { ApprovalRecord } from './approvals.ts';
import type { ErrorCode } from '@magsag/core';
import type { RunLimits } from './options.ts';

/** Console levels the sandbox records. */
export type LogLevel = 'debug' | 'log' | 'info' | 'warn' | 'error';

/** One console line of the program, in the order it was written. */
export interface LogEntry {
  level: LogLevel;
  message: string;
  /** Milliseconds since the program started. */
  ms: number;
}

/** A compile, import or type error, at the program's own line and column (1-based). */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  /** The TypeScript error number, when the diagnostic comes from the compiler. */
  tsCode?: number;
}

/** One tool call of a run. */
export interface ToolCallMetric {
  server: string;
  tool: string;
  ms: number;
  /** Bytes of the result as JSON (0 when the call failed). */
  bytes: number;
  ok: boolean;
  /** The error code when the call failed. */
  code?: string;
  /**
   * The arguments as the program wrote them (JSON), masked, cut at {@link toolCallTextChars}
   * characters (then ending in `…`). Kept in the run record (run.json) for `magsag ui`.
   */
  args?: string;
  /** The result the program got (JSON, already through the PII middleware), masked and cut like `args`. */
  result?: string;
}

/** How many characters of a tool call's arguments and of its result a run record keeps. */
export const toolCallTextChars = 4096;

/** `text` cut at {@link toolCallTextChars} characters, marked with `…` when it was longer. */
export function capToolCallText(text: string): string {
  return text.length <= toolCallTextChars ? text : `${text.slice(0, toolCallTextChars)}…`;
}

/** What a run cost. */
export interface RunMetrics {
  wallMs: number;
  cpuMs: number;
  /** Heap used by the isolate when the program ended (0 when it was killed). */
  heapBytes: number;
  typecheckMs: number;
  compileMs: number;
  toolCallCount: number;
  toolBytes: number;
  maxToolCallsInFlight: number;
  outputBytes: number;
  toolCalls: ToolCallMetric[];
}

/** Why a run failed: a stable `code`, a message that says what to do, and details. */
export interface RunError {
  code: ErrorCode;
  message: string;
  /** Which limit and the figure (`limit`, `value`), the location, the tool... */
  data?: Record<string, unknown>;
  /** The program's stack, mapped back to its own lines. */
  stack?: string;
}

/** A file the run left in its workspace. */
export interface Artifact {
  path: string;
  bytes: number;
}

/** The workspace a run used. */
export interface RunWorkspace {
  id: string;
  /** Absolute path of the workspace folder. */
  path: string;
  /** Folder the program's files live in (what the guest `workspace` API sees). */
  filesPath: string;
  runId: string;
  /** The full, untruncated output of the run (result, logs, error) as JSON. */
  outputPath: string;
  /** Files written or changed by this run. */
  artifacts: Artifact[];
}

/** The result of {@link execute}: the document `magsag exec --json` prints. */
export interface ExecuteResult {
  ok: boolean;
  /** The default export's value (or its return value when it is a function), as a JSON copy. */
  result: unknown;
  logs: LogEntry[];
  /** The curated, size-capped, masked text for the model. */
  modelView: string;
  diagnostics: Diagnostic[];
  metrics: RunMetrics;
  workspace: RunWorkspace | null;
  error: RunError | null;
  /** The run id (also in `workspace.runId`). */
  runId: string;
  /** The limits the run had. */
  limits: RunLimits;
  /** Every approval the run asked for (or was refused by policy), in order. */
  approvals: ApprovalRecord[];
}
