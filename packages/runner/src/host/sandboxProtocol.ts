import type { ToolResultMode, WorkspaceOp } from '../bridge.ts';
import type { RunLimits, WorkspaceQuota } from '../options.ts';
import type { GateVerdict, IsolateModule, IsolateRunOutput } from './isolate.ts';

/**
 * Messages between the runner and its sandbox worker processes. A worker is a long-lived process
 * holding many isolates at once (one per run); every message names the run it belongs to. The
 * isolates run in a child process because V8 aborts the whole process on some out-of-memory paths
 * isolated-vm cannot catch (a Map or array that outgrows the heap in one allocation): a crashed
 * worker costs the runs it held, never the host.
 */

/** A MagsagError as plain data. */
export interface ErrorData {
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

/** Parent → worker. */
export type ToSandbox =
  | {
      type: 'run';
      runId: number;
      modules: IsolateModule[];
      inputJson: string | undefined;
      limits: RunLimits;
      /**
       * The local workspace the worker opens itself; with `remote`, the workspace lives in a store
       * the worker never connects to (PostgreSQL): each call is a `workspace` message to the parent.
       */
      workspace: { stateDir: string; id: string; quota: WorkspaceQuota; remote?: boolean };
      /** Ask the parent (`gate` messages) before each call goes out. */
      gate: boolean;
    }
  | { type: 'toolResult'; runId: number; callId: number; json?: string; error?: ErrorData }
  | { type: 'gateResult'; runId: number; callId: number; verdict?: GateVerdict; error?: ErrorData }
  | { type: 'workspaceResult'; runId: number; callId: number; json?: string; error?: ErrorData }
  | { type: 'abort'; runId: number; error: ErrorData };

/** The isolate's output as plain data. */
export interface SerializedOutput extends Omit<IsolateRunOutput, 'stopError' | 'bridgeErrors'> {
  stopError: ErrorData | undefined;
  bridgeErrors: [number, ErrorData][];
  touched: string[];
}

/** Worker → parent. `ready` is sent once, when isolated-vm has loaded and runs can start. */
export type FromSandbox =
  | { type: 'ready' }
  | { type: 'tool'; runId: number; callId: number; server: string; tool: string; args: Record<string, unknown>; mode: ToolResultMode }
  | { type: 'gate'; runId: number; callId: number; server: string; tool: string; args: Record<string, unknown> }
  | { type: 'workspace'; runId: number; callId: number; op: WorkspaceOp; path: string; data?: string }
  | { type: 'done'; runId: number; output: SerializedOutput };
