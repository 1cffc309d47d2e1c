import type { RunLimits, WorkspaceQuota } from '../options.ts';
import type { IsolateModule, IsolateRunOutput } from './isolate.ts';

/**
 * Messages between the runner and its sandbox process. The isolate runs in a child process
 * because V8 aborts the whole process on some out-of-memory paths isolated-vm cannot catch
 * (a Map or array that outgrows the heap in one allocation); a crashed child is a failed run,
 * never a crashed host.
 */

/** A MagsagError as plain data. */
export interface ErrorData {
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

/** Parent → child. */
export type ToSandbox =
  | {
      type: 'run';
      modules: IsolateModule[];
      inputJson: string | undefined;
      limits: RunLimits;
      workspace: { stateDir: string; id: string; quota: WorkspaceQuota };
    }
  | { type: 'toolResult'; callId: number; json?: string; error?: ErrorData }
  | { type: 'abort'; error: ErrorData };

/** The isolate's output as plain data. */
export interface SerializedOutput extends Omit<IsolateRunOutput, 'stopError' | 'bridgeErrors'> {
  stopError: ErrorData | undefined;
  bridgeErrors: [number, ErrorData][];
  touched: string[];
}

/** Child → parent. */
export type FromSandbox =
  | { type: 'tool'; callId: number; server: string; tool: string; args: Record<string, unknown> }
  | { type: 'done'; output: SerializedOutput };
